import { deflateRawSync } from 'node:zlib';

/** A little-endian record of 2- and 4-byte fields, in order (the zip format's headers). */
function record(fields: Array<[bytes: 2 | 4, value: number]>): Buffer {
  const out = Buffer.alloc(fields.reduce((total, [bytes]) => total + bytes, 0));
  let at = 0;
  for (const [bytes, value] of fields) {
    if (bytes === 2) out.writeUInt16LE(value, at);
    else out.writeUInt32LE(value, at);
    at += bytes;
  }
  return out;
}

const DEFLATE = 8;
const VERSION = 20;

/** A tiny valid zip archive holding index.js (for Lambda code in moto). */
export function zipWithIndex(source = 'exports.handler = async () => 1;\n'): Buffer {
  const name = Buffer.from('index.js');
  const data = Buffer.from(source);
  const compressed = deflateRawSync(data);
  // crc-32, compressed size, uncompressed size, file name length: the same in both headers.
  const entry: Array<[2 | 4, number]> = [
    [4, crc32(data)],
    [4, compressed.length],
    [4, data.length],
    [2, name.length],
  ];
  // signature, version needed, flags, method, modification time and date, entry, extra field length
  const local = record([[4, 0x04034b50], [2, VERSION], [2, 0], [2, DEFLATE], [4, 0], ...entry, [2, 0]]);
  // signature, version made by, version needed, flags, method, modification time and date, entry, extra
  // field length, comment length, disk number, internal and external attributes, offset of the local header
  const central = record([
    [4, 0x02014b50],
    [2, VERSION],
    [2, VERSION],
    [2, 0],
    [2, DEFLATE],
    [4, 0],
    ...entry,
    [2, 0],
    [2, 0],
    [2, 0],
    [2, 0],
    [4, 0],
    [4, 0],
  ]);
  const localLength = local.length + name.length + compressed.length;
  // signature, disk numbers, entries on this disk and in total, central directory size and offset, comment length
  const end = record([
    [4, 0x06054b50],
    [2, 0],
    [2, 0],
    [2, 1],
    [2, 1],
    [4, central.length + name.length],
    [4, localLength],
    [2, 0],
  ]);
  return Buffer.concat([local, name, compressed, central, name, end]);
}

function crc32(buf: Buffer): number {
  let crc = ~0;
  for (const byte of buf) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return ~crc >>> 0;
}
