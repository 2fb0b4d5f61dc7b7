import { open, type FileHandle } from 'node:fs/promises';
import { createInflateRaw } from 'node:zlib';
import type { Readable } from 'node:stream';

export interface ZipDirectoryEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

/**
 * Reads the central directory of a zip file on disk. Returns undefined when the file is not a
 * zip at all. Zip64 archives are not supported: a result file that large is over our caps anyway.
 */
export async function readZipDirectory(path: string): Promise<ZipDirectoryEntry[] | undefined> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = await readAt(file, size - tailLength, tailLength);
    let endOffset = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
        endOffset = i;
        break;
      }
    }
    if (endOffset < 0) return undefined;
    const count = tail.readUInt16LE(endOffset + 10);
    const directorySize = tail.readUInt32LE(endOffset + 12);
    const directoryOffset = tail.readUInt32LE(endOffset + 16);
    if (directoryOffset + directorySize > size) return undefined;
    const directory = await readAt(file, directoryOffset, directorySize);
    const entries: ZipDirectoryEntry[] = [];
    let at = 0;
    for (let i = 0; i < count; i++) {
      if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL_HEADER) return undefined;
      const nameLength = directory.readUInt16LE(at + 28);
      const extraLength = directory.readUInt16LE(at + 30);
      const commentLength = directory.readUInt16LE(at + 32);
      entries.push({
        method: directory.readUInt16LE(at + 10),
        compressedSize: directory.readUInt32LE(at + 20),
        uncompressedSize: directory.readUInt32LE(at + 24),
        localHeaderOffset: directory.readUInt32LE(at + 42),
        name: directory.toString('utf8', at + 46, at + 46 + nameLength),
      });
      at += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  } finally {
    await file.close();
  }
}

/** Streams one entry's uncompressed bytes (stored or deflated). */
export async function openZipEntry(path: string, entry: ZipDirectoryEntry): Promise<Readable> {
  const file = await open(path, 'r');
  let dataStart: number;
  try {
    const local = await readAt(file, entry.localHeaderOffset, 30);
    if (local.length < 30 || local.readUInt32LE(0) !== LOCAL_HEADER) {
      throw new Error(`zip entry ${entry.name} has no local header`);
    }
    dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  } catch (error) {
    await file.close();
    throw error;
  }
  const raw = file.createReadStream({
    start: dataStart,
    end: Math.max(dataStart, dataStart + entry.compressedSize - 1),
    autoClose: true,
  });
  if (entry.method === 0) return raw;
  if (entry.method !== 8) {
    raw.destroy();
    throw new Error(`zip entry ${entry.name} uses unsupported compression method ${entry.method}`);
  }
  const inflate = createInflateRaw();
  raw.on('error', (error) => inflate.destroy(error));
  inflate.on('close', () => raw.destroy());
  return raw.pipe(inflate);
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}
