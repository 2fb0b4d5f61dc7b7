import * as zlib from 'node:zlib';

/**
 * CRC-32 (the zip one), continued from `previous`. Node's native `zlib.crc32` arrived in 20.15 and
 * `engines` allows any Node 20, so a table version stands in where it is missing.
 */
export function crc32(data: Uint8Array, previous = 0): number {
  const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
  return native ? native(data, previous) : tableCrc32(data, previous);
}

let table: Int32Array | undefined;

/** The portable version, exported so that tests check it against the native one. */
export function tableCrc32(data: Uint8Array, previous = 0): number {
  table ??= buildTable();
  let crc = ~previous;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

function buildTable(): Int32Array {
  const built = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    built[n] = c;
  }
  return built;
}
