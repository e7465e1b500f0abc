/**
 * A fake `python` for the emulator set-up tests: answers scripts/moto.mjs's probe, `-m venv` and
 * `-m pip install` according to FAKE_* environment variables, with no network and no real Python.
 *
 *  FAKE_PYTHON_VERSION  version the probe reports (default 3.12.1)
 *  FAKE_MOTO            moto version installed in this (non-venv) Python; unset = none
 *  FAKE_VENV=fail       `-m venv` fails like Debian without python3-venv
 *  FAKE_PIP=fail        `-m pip install` fails like pip without network
 * A venv made by the fake holds a copy of it; its moto exists once its `pip install` succeeded
 * (the arguments are recorded in <venv>/installed, each call appended to <venv>/pip-calls).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const FAKE_SOURCE = String.raw`
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
const venvRoot = path.dirname(path.dirname(__filename));
const inVenv = fs.existsSync(path.join(venvRoot, 'pyvenv.cfg'));
if (args[0] === '-c') {
  const installed = path.join(venvRoot, 'installed');
  const moto = inVenv ? (fs.existsSync(installed) ? '5.2.1' : null) : process.env.FAKE_MOTO || null;
  console.log(JSON.stringify({ python: process.env.FAKE_PYTHON_VERSION || '3.12.1', moto, server: Boolean(moto) }));
} else if (args[0] === '-m' && args[1] === 'venv') {
  if (process.env.FAKE_VENV === 'fail') {
    console.error('The virtual environment was not created successfully because ensurepip is not available.');
    process.exit(1);
  }
  const target = args[args.length - 1];
  fs.mkdirSync(path.join(target, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(target, 'pyvenv.cfg'), 'home = fake\n');
  fs.copyFileSync(__filename, path.join(target, 'bin', 'python'));
  fs.chmodSync(path.join(target, 'bin', 'python'), 0o755);
} else if (args[0] === '-m' && args[1] === 'pip' && inVenv) {
  fs.appendFileSync(path.join(venvRoot, 'pip-calls'), args.join(' ') + '\n');
  if (process.env.FAKE_PIP === 'fail') {
    console.error('ERROR: Could not find a version that satisfies the requirement moto[server]==5.2.1 (from versions: none)');
    console.error('ERROR: No matching distribution found for moto[server]==5.2.1');
    process.exit(1);
  }
  fs.writeFileSync(path.join(venvRoot, 'installed'), args.join(' '));
} else {
  console.error('fake python: unexpected arguments ' + args.join(' '));
  process.exit(2);
}
`;

/** A folder with an executable fake `python3` (and `python`), plus an empty folder for the venv. */
export function fakePython(): { bin: string; python: string; venv: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-fake-python-'));
  const bin = path.join(base, 'bin');
  fs.mkdirSync(bin);
  const python = path.join(bin, 'python3');
  fs.writeFileSync(python, `#!${process.execPath}\n${FAKE_SOURCE}`);
  fs.chmodSync(python, 0o755);
  fs.copyFileSync(python, path.join(bin, 'python'));
  return { bin, python, venv: path.join(base, 'venv') };
}
