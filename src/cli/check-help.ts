import { DEFAULT_API_URL } from '../api/client.js';
import { defaultCacheDir } from './cache-dir.js';

export const CHECK_HELP = `Usage: wa-check check <input> [options]

Checks which numbers of a CSV, TXT or XLSX file (or - for stdin) have WhatsApp. Numbers are
normalized to E.164 and deduplicated, cached answers are reused, and only new numbers are paid for.

Output:
  -o, --output <file>        write results here; the format follows the extension (.csv, .jsonl,
                             .xlsx). Without it, or with -o -, CSV goes to stdout. The file is
                             replaced only when the job ends; an interrupted job leaves
                             <name>.partial.<ext> and the file as it was.
  --format <csv|jsonl|xlsx>  force the output format
  --order <input|completion> input order (default), or cached rows first
  --no-formula-guard         CSV: keep cells that begin with = + - @ as they are (by default they get
                             a leading ' so that a spreadsheet does not run them as formulas)
  --report-json <file>       also write the final report as JSON, for CI and schedulers
  --compact                  the result columns only; by default every column of the input row
                             comes first (an input column named like a result column, e.g.
                             number, is written as number_input)

Input:
  --column <name|position>   the phone column (default: detected; positions start at 1)
  --country <CC>             region of numbers without a country code, e.g. CH
  --country-column <name>    a column with each row's region (ISO 3166 alpha-2)
                             (the columns chosen are named on stderr when the job starts)
  --threads <n>              worker threads reading and normalizing a file (default: one per
                             core but the job's own, at most 3)

Provider:
  --api-url <url>            default $WA_CHECK_API_URL or ${DEFAULT_API_URL}
  --user-id <id>             default $WA_CHECK_USER_ID
  --api-key-file <path>      a file holding the API key; default: the key in $WA_CHECK_API_KEY.
                             The key is never taken from a flag (it would land in shell history).
  --concurrency <n>          tasks at once (default 5, the provider's usual limit per key)
  --task-size <n>            the largest task (default 50000)
  --poll-interval <ms>       the shortest wait between two status reads (default 2000)
  --api <legacy|v1>          the provider's API version (default $WA_CHECK_API or legacy)
  --product <ws|ws_active|ws_avatar>
                             v1 product: yes/no (default), + activity, + profile signals
  --legacy-min-rows <n>      the legacy API's minimum rows per task (default 0)

Cache and cost:
  --cache <dir>              the answer cache and task journal (default ${defaultCacheDir()})
  --cache redis://host:port/db  a fleet: workers on one Redis share answers, slots and journal
                             (rediss:// for TLS; password in the URL or $WA_CHECK_REDIS_PASSWORD)
  --max-age <days>           re-check answers older than this (default 30)
  --dry-run                  do everything up to the first upload; report what would be paid
  --top-up <stale|none>      fewer numbers than a task's minimum: fill it with the oldest cached
                             answers, refreshed (stale, default), or pay nothing (none)
  --price <amount>           price per number of the product, in the balance's currency; a v1
                             job stops before paying when the balance cannot cover it
                             (results are written only with -o)
  --max-spend <n>            upload at most n numbers in this job
  --resubmit-unconfirmed     check again numbers whose upload was never confirmed (may pay twice)

Display:
  --progress / --no-progress progress on stderr (default: only when stderr is a terminal)
  --debug                    show stack traces of errors
  -h, --help                 this help

Exit codes: 0 all valid numbers answered (or stdout was closed early, as by 'head': checking stops);
1 error; 2 bad usage; 3 finished with unanswered numbers (a Ctrl-C included); 130 a second Ctrl-C.

Examples:
  export WA_CHECK_API_KEY=... WA_CHECK_USER_ID=...
  wa-check check contacts.csv -o results.csv --country CH
  wa-check check leads.xlsx --column Mobile --country-column Country -o results.xlsx
  wa-check check numbers.txt --dry-run
  wa-check check numbers.txt | head -20     # stops paying once head has its rows
`;
