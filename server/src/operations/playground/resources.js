// @ts-check
// Collections and the operations on them, found in the spec by path shape: a collection is a GET
// path with no parameter whose items live at the same path plus one path parameter, and which can
// delete them (API keys, webhook endpoints). Its list answer is what the playground turns into a
// small management view; nothing here names an operation.

/**
 * @typedef {{ [key: string]: any }} Json
 * @typedef {{ id: string, method: string, path: string, op: Json, parameters: Json[], security: Json[] }} Entry
 * @typedef {{ entry: Entry, parameter?: string }} Action
 */

/** The operations on one item of `collection`'s path: `{path}/{param}` itself or below it. @param {Entry[]} operations @param {string} collection */
function itemOperations(operations, collection) {
  /** @type {Action[]} */
  const actions = [];
  for (const entry of operations) {
    const match = /^\/\{([^}/]+)\}(?:\/[^{}]*)?$/.exec(entry.path.slice(collection.length));
    if (entry.path.startsWith(collection) && match?.[1]) actions.push({ entry, parameter: match[1] });
  }
  return actions;
}

/** The list operations that make a management view, with what can be done to the list and to each item. @param {Entry[]} operations */
function managedCollections(operations) {
  return operations
    .filter((list) => list.method === 'GET' && !list.path.includes('{'))
    .map((list) => ({
      list,
      create: operations.filter((entry) => entry.path === list.path && entry.method === 'POST'),
      items: itemOperations(operations, list.path),
    }))
    .filter((collection) => collection.items.some((action) => action.entry.method === 'DELETE'));
}

/** The items of a list answer (`{ data: [{ id, … }] }`), or undefined when the body is not one. @param {string} text */
function listedItems(text) {
  try {
    const body = JSON.parse(text);
    const items = body?.data;
    return Array.isArray(items) && items.every((item) => typeof item?.id === 'string') ? /** @type {Json[]} */ (items) : undefined;
  } catch {
    return undefined;
  }
}
