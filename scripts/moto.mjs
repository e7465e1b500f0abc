// Start and stop a moto server (a local AWS emulator) on a free loopback port.
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export function motoAvailable() {
  const r = spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' });
  return r.status === 0;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts moto; resolves with { endpoint, stop }. */
export async function startMoto({ quiet = true } = {}) {
  if (!motoAvailable()) {
    throw new Error(
      'moto server not found: `python3 -m moto.server` is required (pip install "moto[server]").',
    );
  }
  const port = await freePort();
  const child = spawn('python3', [path.join(here, 'moto_server.py'), '-H', '127.0.0.1', '-p', String(port)], {
    stdio: quiet ? 'ignore' : 'inherit',
    detached: false,
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  let lastErr;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto server exited early with code ${child.exitCode}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) break;
    } catch (e) {
      lastErr = e;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  if (Date.now() >= deadline) {
    child.kill('SIGKILL');
    throw new Error(`moto server did not start on ${endpoint}: ${lastErr}`);
  }
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  return { endpoint, port, stop, child };
}
