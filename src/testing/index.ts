// Contract suites (vitest) for anyone who implements a ResultCache or a TaskJournal of their own:
// `import { resultCacheContract } from 'wa-bulk-checker/testing'`.
export {
  firstAppearances,
  resultCacheContract,
  type OpenedResultCache,
  type ResultCacheContractOptions,
} from './result-cache-contract.js';
export {
  taskJournalContract,
  type OpenedTaskJournal,
  type TaskJournalContractOptions,
} from './task-journal-contract.js';
