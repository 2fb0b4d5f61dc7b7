import { buffer } from 'node:stream/consumers';
import yazl from 'yazl';

export interface ZipEntry {
  name: string;
  data: Buffer;
}

/** A fixed time, so that the same entries always make the same bytes. */
const ENTRY_TIME = new Date(2000, 0, 1);

/**
 * Builds a zip archive in memory with yazl (deflate, CRC-32 and Zip64 done right). Used by the
 * simulator to wrap a result file the way the provider's sibling API does; result files are
 * small enough for memory.
 */
export async function buildZip(entries: readonly ZipEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) zip.addBuffer(entry.data, entry.name, { mtime: ENTRY_TIME });
  zip.end();
  return buffer(zip.outputStream);
}
