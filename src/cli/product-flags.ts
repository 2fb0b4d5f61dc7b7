import { API_DIALECTS, type ApiDialectName, PRODUCTS, type Product } from '../api/products.js';
import { TOP_UP_POLICIES, type TopUpPolicy } from '../job/cost-report.js';
import { numberFlag, UsageError } from './flags.js';

/** The `check` flags of the provider's dialect, product, minimum order and price (parseArgs specs). */
export const PRODUCT_FLAGS = {
  api: { type: 'string' },
  product: { type: 'string' },
  'top-up': { type: 'string' },
  price: { type: 'string' },
  'legacy-min-rows': { type: 'string' },
} as const;

/** What the product flags set: client options, and the job's minimum-order policy and price. */
export interface ProductFlagOptions {
  client: { api: ApiDialectName; product?: Product; legacyMinRows?: number };
  topUp?: TopUpPolicy;
  pricePerNumber?: number;
}

/** Reads `--api` (or WA_CHECK_API), `--product`, `--top-up`, `--price`, `--legacy-min-rows`. */
export function productFlags(values: Record<string, unknown>, env: NodeJS.ProcessEnv): ProductFlagOptions {
  const api = oneOf('--api', (values.api as string | undefined) ?? (env.WA_CHECK_API || 'legacy'), API_DIALECTS);
  const product = values.product === undefined ? undefined : oneOf('--product', values.product, PRODUCTS);
  if (product !== undefined && product !== 'ws' && api !== 'v1')
    throw new UsageError(`--product ${product} needs the v1 API: add --api v1 (or set WA_CHECK_API=v1).`);
  const topUp = values['top-up'] === undefined ? undefined : oneOf('--top-up', values['top-up'], TOP_UP_POLICIES);
  const price = numberFlag(values, 'price');
  if (price !== undefined && price < 0)
    throw new UsageError(`--price takes a price per number (0 or more), got ${price}.`);
  const legacyMinRows = numberFlag(values, 'legacy-min-rows');
  if (legacyMinRows !== undefined && (legacyMinRows < 0 || !Number.isInteger(legacyMinRows)))
    throw new UsageError(`--legacy-min-rows takes a whole number of rows, got ${legacyMinRows}.`);
  return {
    client: {
      api,
      ...(product !== undefined && { product }),
      ...(legacyMinRows !== undefined && { legacyMinRows }),
    },
    ...(topUp !== undefined && { topUp }),
    ...(price !== undefined && { pricePerNumber: price }),
  };
}

function oneOf<T extends string>(flag: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} takes ${allowed.join(', ')}, got '${String(value)}'.`);
}
