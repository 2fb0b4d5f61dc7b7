// Part of `npm run build`: writes dist/digit-automata.bin, the digit path's automata for every
// region of the pinned metadata, so that the input worker reads them rather than builds them
// (src/normalize/automata-store.ts says why and how they are checked).
import { recordAutomata, writeRecordedAutomata } from '../dist/normalize/automata-store.js';
import { compileEveryDigitRule } from '../dist/normalize/compiled-metadata.js';

recordAutomata();
compileEveryDigitRule();
writeRecordedAutomata();
