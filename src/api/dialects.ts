import type { ApiDialectName, Product } from './products.js';

/** One request as a dialect spells it: a POST carries its `form` fields as multipart. */
export interface RequestPlan {
  method: 'GET' | 'POST';
  url: URL;
  form?: Record<string, string>;
}

/**
 * How one version of the provider's API names its calls. Both versions share the task object,
 * the statuses and the result files; only paths and fields differ, so the client keeps one
 * set of rules (retries, unconfirmed creates, polling) and asks the dialect for the spelling.
 */
export interface Dialect {
  readonly name: ApiDialectName;
  /** Where a task is created, and the text fields sent before its `file`. */
  create(): { url: URL; fields: Record<string, string> };
  /** How a task's status is read. */
  status(taskId: string): RequestPlan;
  /** Where the account's balance is read. */
  balance(): RequestPlan;
}

const LEGACY_TASKS_PATH = '/wa/api/simple/tasks';

/** The dialect `name` at `apiUrl`. `userId` is required by legacy and optional in v1. */
export function dialectFor(name: ApiDialectName, apiUrl: URL, userId: string | undefined, product: Product): Dialect {
  // The balance call exists only in v1, but on the same hosts and for the same account.
  const balance = (): RequestPlan => ({ method: 'GET', url: new URL('/v1/balance', apiUrl) });
  if (name === 'legacy') {
    return {
      name,
      create: () => ({ url: new URL(LEGACY_TASKS_PATH, apiUrl), fields: { user_id: userId ?? '' } }),
      status: (taskId) => {
        const url = new URL(`${LEGACY_TASKS_PATH}/${encodeURIComponent(taskId)}`, apiUrl);
        url.searchParams.set('user_id', userId ?? '');
        return { method: 'GET', url };
      },
      balance,
    };
  }
  return {
    name,
    create: () => ({
      url: new URL('/v1/tasks', apiUrl),
      fields: { task_type: product, ...(userId !== undefined && { user_id: userId }) },
    }),
    status: (taskId) => ({ method: 'POST', url: new URL('/v1/gettasks', apiUrl), form: { task_id: taskId } }),
    balance,
  };
}
