import type { Balance } from '../api/balance.js';
import type { WaClient } from '../api/client.js';
import { asWaError, ErrorCodes, WaError } from '../errors.js';
import type { BalanceReport } from './cost-report.js';

export type { BalanceReport } from './cost-report.js';

/** The balance check's verdict: the report, and things the user should be told. */
export interface BalanceVerdict {
  report: BalanceReport | undefined;
  notes: string[];
}

/** Money is compared with a little give, so 0.1 + 0.2 is not more than 0.3. */
const EPSILON = 1e-9;

/**
 * Reads the balance (free) before the first create of a v1 job, and stops before paying when it
 * cannot cover `numbers` at `pricePerNumber`: a `WA_INSUFFICIENT_BALANCE` error, nothing sent.
 * Without a price only an empty balance can be told, and the notes say so. A daily limit
 * (`daily_limit`, `used_today`) caps `allowed`. A balance that cannot be read is noted, not
 * fatal: a 402 on the create still stops the job before it pays.
 */
export async function checkBalance(
  client: WaClient,
  numbers: number,
  pricePerNumber: number | undefined,
  signal?: AbortSignal,
): Promise<BalanceVerdict> {
  const notes: string[] = [];
  let balance: Balance;
  try {
    balance = await client.balance({ signal });
  } catch (error) {
    const waError = asWaError(error);
    if (waError.code === ErrorCodes.ABORTED || waError.code === ErrorCodes.UNAUTHORIZED) throw waError;
    notes.push(`The balance could not be read (${waError.code}); the provider refuses a create it cannot bill (402).`);
    return { report: undefined, notes };
  }
  const currency = balance.currency ?? 'USD';
  const available = balance.balance + (balance.credit ?? 0);
  const cost = pricePerNumber === undefined ? undefined : numbers * pricePerNumber;
  const report: BalanceReport = {
    available,
    currency,
    allowed: numbers,
    ...(cost !== undefined && { cost: roundMoney(cost) }),
  };
  if (numbers > 0 && (cost === undefined ? available <= 0 : cost > available + EPSILON)) {
    throw new WaError(
      ErrorCodes.INSUFFICIENT_BALANCE,
      cost === undefined
        ? `The balance is ${available} ${currency}: nothing can be paid for, so nothing was uploaded. Top up, then run again.`
        : `The balance (${available} ${currency}) cannot cover ${numbers} numbers at ${pricePerNumber} ${currency} each (${roundMoney(cost)} ${currency}), so nothing was uploaded. Top up or check fewer numbers, then run again.`,
    );
  }
  if (cost === undefined)
    notes.push(
      `No price per number given (--price): the balance (${available} ${currency}) was not compared with the cost.`,
    );
  if (balance.dailyLimit !== undefined && balance.usedToday !== undefined) {
    const dailyLeft = roundMoney(Math.max(0, balance.dailyLimit - balance.usedToday));
    report.dailyLeft = dailyLeft;
    if (dailyLeft <= EPSILON) report.allowed = 0;
    else if (pricePerNumber !== undefined && pricePerNumber > 0)
      report.allowed = Math.min(numbers, Math.floor(dailyLeft / pricePerNumber + EPSILON));
    else if (pricePerNumber === undefined)
      notes.push(
        `No price per number given (--price): the daily limit (${dailyLeft} ${currency} left) cannot cap the upload.`,
      );
    if (report.allowed < numbers) {
      notes.push(
        `The daily limit lets this run pay for ${report.allowed} of ${numbers} numbers${balance.resetTime ? ` until ${balance.resetTime}` : ''}; the rest are daily_limit_reached, for a later run.`,
      );
    }
  }
  return { report, notes };
}

function roundMoney(amount: number): number {
  return Math.round(amount * 1e6) / 1e6;
}
