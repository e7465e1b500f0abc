/** Time is injected so tests never wait: domain code calls clock.sleep / clock.now, never setTimeout / Date.now. */
export interface Clock {
  sleep(ms: number): Promise<void>;
  now(): number;
}

export const realClock: Clock = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
};

/** A clock whose sleep advances virtual time instantly; records every sleep. */
export function fakeClock(start = 0): Clock & { slept: number[] } {
  let t = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
  };
}
