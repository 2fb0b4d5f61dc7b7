import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ErrorCodes, WaError } from '../errors.js';
import { type InflateBudget, ZipArchive, ZipError } from '../zip/zip-reader.js';
import { attribute, fromZipError, invalidPart, parseXmlPart } from './result-xml.js';

/** Package parts that only point at others (relationships, the workbook): small in any real file. */
const MAX_POINTER_PART_BYTES = 4 * 1024 * 1024;
const OFFICE_DOCUMENT = /\/officeDocument$/;
const SHARED_STRINGS = /\/sharedStrings$/;

/** An opened workbook: the parts a result file needs, and what to clean up after. */
export interface OpenedWorkbook {
  archive: ZipArchive;
  /** The first sheet's part. */
  sheet: string;
  sharedStrings: string | undefined;
  close(): Promise<void>;
}

/**
 * Opens a result file: an `.xlsx`, or a `.zip` whose `.xlsx` is extracted next to it (counted
 * against `budget`, removed by `close()`). An xlsx is a zip too: it is told apart by its
 * `[Content_Types].xml`. Finds the first sheet through the workbook's relationships.
 */
export async function openWorkbook(
  path: string,
  workDirectory: string,
  budget: InflateBudget,
): Promise<OpenedWorkbook> {
  let archive = await openArchive(path, 'The result file is neither an .xlsx workbook nor a .zip');
  let extracted: string | undefined;
  try {
    if (!archive.has('[Content_Types].xml')) {
      const inner = archive.entries.find((entry) => /\.xlsx$/i.test(entry.name));
      if (!inner) {
        const names = archive.entries.map((entry) => entry.name.slice(0, 60)).slice(0, 10);
        throw new WaError(
          ErrorCodes.RESULT_INVALID,
          `The result .zip holds no .xlsx (it holds ${names.join(', ') || 'nothing'}).`,
        );
      }
      extracted = join(workDirectory, 'result-inner.xlsx');
      try {
        await pipeline(await openPart(archive, inner.name, budget.maxBytes, budget), createWriteStream(extracted));
      } catch (error) {
        throw error instanceof ZipError ? fromZipError(error) : error;
      }
      archive.close();
      archive = await openArchive(extracted, 'The .xlsx inside the result .zip is not a workbook');
    }
    const opened = archive;
    const workbook = await mainDocument(opened, budget);
    const { sheet, sharedStrings } = await sheetAndStrings(opened, workbook, budget);
    const cleanup = extracted;
    return {
      archive: opened,
      sheet,
      sharedStrings,
      close: async () => {
        opened.close();
        if (cleanup) await rm(cleanup, { force: true });
      },
    };
  } catch (error) {
    archive.close();
    if (extracted) await rm(extracted, { force: true });
    throw error;
  }
}

async function openArchive(path: string, what: string): Promise<ZipArchive> {
  try {
    return await ZipArchive.open(path);
  } catch (error) {
    if (!(error instanceof ZipError)) throw error;
    throw new WaError(ErrorCodes.RESULT_INVALID, `${what}: ${error.message}.`, { cause: error });
  }
}

/** The workbook part, from the package relationships (`/_rels/.rels`), else the usual place. */
async function mainDocument(archive: ZipArchive, budget: InflateBudget): Promise<string> {
  if (archive.has('_rels/.rels')) {
    const relations = await readRelationships(archive, '_rels/.rels', budget);
    const main = relations.find((relation) => OFFICE_DOCUMENT.test(relation.type));
    if (main) return resolvePart('', main.target);
  }
  return 'xl/workbook.xml';
}

async function sheetAndStrings(
  archive: ZipArchive,
  workbook: string,
  budget: InflateBudget,
): Promise<{ sheet: string; sharedStrings: string | undefined }> {
  let firstSheet: string | undefined;
  await readPointerPart(archive, workbook, budget, (name, attributes) => {
    if (name === 'sheet' && firstSheet === undefined) firstSheet = attribute(attributes, 'id') ?? '';
  });
  if (firstSheet === undefined) throw invalidPart(workbook, 'the workbook lists no sheet');
  const relationsPart = posix.join(posix.dirname(workbook), '_rels', `${posix.basename(workbook)}.rels`);
  const relations = archive.has(relationsPart) ? await readRelationships(archive, relationsPart, budget) : [];
  const sheetRelation = relations.find((relation) => relation.id === firstSheet);
  if (!sheetRelation) throw invalidPart(relationsPart, `the first sheet's relationship ${firstSheet} is missing`);
  const sheet = resolvePart(workbook, sheetRelation.target);
  if (!archive.has(sheet)) throw invalidPart(sheet, 'the first sheet is missing from the file');
  const strings = relations.find((relation) => SHARED_STRINGS.test(relation.type));
  const sharedStrings = strings ? resolvePart(workbook, strings.target) : undefined;
  return { sheet, sharedStrings: sharedStrings && archive.has(sharedStrings) ? sharedStrings : undefined };
}

interface Relationship {
  id: string;
  type: string;
  target: string;
}

async function readRelationships(archive: ZipArchive, part: string, budget: InflateBudget): Promise<Relationship[]> {
  const relations: Relationship[] = [];
  await readPointerPart(archive, part, budget, (name, attributes) => {
    if (name !== 'Relationship') return;
    relations.push({
      id: attribute(attributes, 'Id') ?? '',
      type: attribute(attributes, 'Type') ?? '',
      target: attribute(attributes, 'Target') ?? '',
    });
  });
  return relations;
}

async function readPointerPart(
  archive: ZipArchive,
  part: string,
  budget: InflateBudget,
  onOpen: (name: string, attributes: Readonly<Record<string, string>>) => void,
): Promise<void> {
  const stream = await openPart(archive, part, MAX_POINTER_PART_BYTES, budget);
  for await (const _ of parseXmlPart(stream, part, { open: onOpen, close() {}, text() {} })) {
    // Everything needed is gathered by onOpen.
  }
}

/** One part's bytes, counted and checked (see `ZipArchive.openEntry`); zip failures typed. */
export async function openPart(
  archive: ZipArchive,
  part: string,
  maxBytes: number,
  budget: InflateBudget,
): Promise<Readable> {
  try {
    return await archive.openEntry(part, maxBytes, budget);
  } catch (error) {
    throw error instanceof ZipError ? fromZipError(error) : error;
  }
}

/** A relationship target, relative to the part that names it, or absolute from the package root. */
function resolvePart(from: string, target: string): string {
  const joined = target.startsWith('/') ? target : posix.join(posix.dirname(from), target);
  return posix.normalize(joined).replace(/^\/+/, '');
}
