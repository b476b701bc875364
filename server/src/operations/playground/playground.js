// @ts-check
// The "Try it" panel of /docs. Everything it offers is read at run time from the spec embedded in
// the page (the same document Redoc renders), so a new operation, parameter, example or documented
// header appears here without a change to this file. Calls go to the page's own origin: the page's
// policy allows connect-src 'self' and nothing else. resources.js (before this file, in the same
// function) finds the collections it offers to manage.
(() => {
  'use strict';

  // sessionStorage, not localStorage: a credential kept by request should end with the tab.
  const STORED_CREDENTIAL = 'transmute.playground.credential';
  const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

  /** @template {HTMLElement} T @param {string} id @param {new () => T} type @returns {T} */
  function element(id, type) {
    const found = document.getElementById(id);
    if (!(found instanceof type)) throw new Error(`the playground's #${id} is missing`);
    return found;
  }

  const toggle = element('pg-toggle', HTMLButtonElement);
  const panel = element('pg-panel', HTMLElement);
  const form = element('pg-form', HTMLFormElement);
  const manage = element('pg-manage', HTMLElement);
  const operationSelect = element('pg-operation', HTMLSelectElement);
  const about = element('pg-about', HTMLElement);
  const schemeSelect = element('pg-scheme', HTMLSelectElement);
  const secret = element('pg-secret', HTMLInputElement);
  const remember = element('pg-remember', HTMLInputElement);
  const parameterSet = element('pg-parameters', HTMLFieldSetElement);
  const bodyField = element('pg-body-field', HTMLElement);
  const mediaTypeLabel = element('pg-media-type', HTMLElement);
  const bodyInput = element('pg-body', HTMLTextAreaElement);
  const sendButton = element('pg-send', HTMLButtonElement);
  const stopButton = element('pg-stop', HTMLButtonElement);
  const responseView = element('pg-response', HTMLElement);
  const statusLine = element('pg-status', HTMLElement);
  const headerList = element('pg-headers', HTMLElement);
  const itemView = element('pg-items', HTMLElement);
  const responseBody = element('pg-response-body', HTMLElement);

  /** @type {Json} */
  const spec = JSON.parse(element('openapi-document', HTMLScriptElement).text);

  /** Follows local `$ref`s (`#/components/…`), the only kind the served spec holds. @param {any} node @returns {any} */
  function resolve(node) {
    for (let hops = 0; node && typeof node.$ref === 'string' && hops < 16; hops++) {
      const pointer = node.$ref.replace(/^#\//, '').split('/').map((/** @type {string} */ part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
      node = pointer.reduce((/** @type {any} */ at, /** @type {string} */ key) => at?.[key], spec);
    }
    return node;
  }

  /** @type {Entry[]} */
  const operations = Object.entries(spec.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => {
      const op = item[method];
      // An operation's parameter replaces the path item's of the same name and location (OAS 3.1, 4.8.10).
      const byKey = new Map();
      for (const parameter of [...(item.parameters ?? []), ...(op.parameters ?? [])].map(resolve)) byKey.set(`${parameter.in}:${parameter.name}`, parameter);
      return {
        id: op.operationId ?? `${method} ${path}`,
        method: method.toUpperCase(),
        path,
        op,
        parameters: [...byKey.values()].filter((parameter) => parameter.in !== 'cookie'),
        security: op.security ?? spec.security ?? [],
      };
    }),
  );

  /** The schemes a browser can send from here: a key in a header, or a bearer token. */
  const schemes = new Map(
    Object.entries(spec.components?.securitySchemes ?? {})
      .map(([name, scheme]) => /** @type {[string, Json]} */ ([name, resolve(scheme)]))
      .filter(([, scheme]) => (scheme.type === 'apiKey' && scheme.in === 'header') || (scheme.type === 'http' && String(scheme.scheme).toLowerCase() === 'bearer')),
  );

  /** @param {Json} scheme @param {string} value @returns {[string, string]} */
  function credentialHeader(scheme, value) {
    return scheme.type === 'apiKey' ? [scheme.name, value] : ['Authorization', `Bearer ${value}`];
  }

  /** @param {string} mediaType */
  const isJson = (mediaType) => /^application\/([\w.-]+\+)?json\b/i.test(mediaType);

  /** A fresh Idempotency-Key; crypto.randomUUID needs a secure context, getRandomValues does not. */
  function freshKey() {
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
  }

  // The operation list, grouped by each operation's first tag in the spec's tag order.
  const groups = new Map((spec.tags ?? []).map((/** @type {Json} */ tag) => [tag.name, document.createElement('optgroup')]));
  for (const entry of operations) {
    const tag = entry.op.tags?.[0] ?? 'other';
    if (!groups.has(tag)) groups.set(tag, document.createElement('optgroup'));
    const option = new Option(`${entry.method} ${entry.path}${entry.op.summary ? ` (${entry.op.summary})` : ''}`, entry.id);
    groups.get(tag).append(option);
  }
  for (const [tag, group] of groups) {
    group.label = tag;
    if (group.children.length > 0) operationSelect.append(group);
  }

  for (const [name, scheme] of schemes) {
    const option = new Option(`${name}: ${scheme.type === 'apiKey' ? scheme.name : 'Authorization: Bearer'}`, name);
    option.title = scheme.description ?? '';
    schemeSelect.append(option);
  }
  element('pg-origin', HTMLElement).textContent = location.origin;

  const kept = sessionStorage.getItem(STORED_CREDENTIAL);
  if (kept) {
    const { scheme, value } = JSON.parse(kept);
    if (schemes.has(scheme)) schemeSelect.value = scheme;
    secret.value = value;
    remember.checked = true;
  }
  function keepCredential() {
    if (remember.checked) sessionStorage.setItem(STORED_CREDENTIAL, JSON.stringify({ scheme: schemeSelect.value, value: secret.value }));
    else sessionStorage.removeItem(STORED_CREDENTIAL);
  }
  for (const control of [schemeSelect, secret, remember]) control.addEventListener('change', keepCredential);

  /** @type {Entry} */
  let current;
  /** @type {Array<HTMLInputElement | HTMLSelectElement>} */
  let parameterControls = [];

  /** @param {string} id */
  function choose(id) {
    const entry = operations.find((candidate) => candidate.id === id) ?? operations[0];
    if (!entry) return;
    current = entry;
    operationSelect.value = entry.id;
    about.textContent = accepts(entry);

    parameterControls = entry.parameters.map((parameter) => {
      const schema = resolve(parameter.schema) ?? {};
      const control = Array.isArray(schema.enum) ? enumSelect(schema.enum) : document.createElement('input');
      control.id = `pg-parameter-${parameter.in}-${parameter.name}`;
      control.dataset.in = parameter.in;
      control.dataset.name = parameter.name;
      control.required = parameter.in === 'path' || parameter.required === true;
      control.title = parameter.description ?? '';
      if (control instanceof HTMLInputElement) {
        control.placeholder = String(parameter.example ?? schema.example ?? schema.default ?? '');
        control.spellcheck = false;
        if (parameter.in === 'header' && parameter.name.toLowerCase() === 'idempotency-key') control.value = freshKey();
      }
      return control;
    });
    parameterSet.replaceChildren(
      Object.assign(document.createElement('legend'), { textContent: 'Parameters' }),
      ...parameterControls.map((control) => {
        const label = document.createElement('label');
        label.append(`${control.dataset.name} (${control.dataset.in}${control.required ? ', required' : ''}) `, control);
        return label;
      }),
    );
    parameterSet.hidden = parameterControls.length === 0;

    const body = requestBody(entry);
    bodyField.hidden = body === undefined;
    mediaTypeLabel.textContent = body ? `(${body.mediaType})` : '';
    bodyInput.value = body?.text ?? '';
  }

  /** @param {unknown[]} values */
  function enumSelect(values) {
    const select = document.createElement('select');
    select.append(new Option('', ''), ...values.map((value) => new Option(String(value), String(value))));
    return select;
  }

  /** @param {Entry} entry */
  function accepts(entry) {
    const description = entry.op.description ?? entry.op.summary ?? '';
    if (entry.security.length === 0 || entry.security.some((requirement) => Object.keys(requirement).length === 0)) return `${description} No credentials needed.`.trim();
    const names = entry.security.flatMap((requirement) =>
      Object.entries(requirement).map(([name, scopes]) => (Array.isArray(scopes) && scopes.length > 0 ? `${name} (${scopes.join(', ')})` : name)),
    );
    return `${description} Accepts ${names.join(' or ')}.`.trim();
  }

  /** The first media type the operation takes, prefilled from its first example. @param {Entry} entry */
  function requestBody(entry) {
    const body = resolve(entry.op.requestBody);
    const first = Object.entries(body?.content ?? {})[0];
    if (!first) return undefined;
    const [mediaType, media] = first;
    const examples = Object.values(media.examples ?? {});
    const example = examples.length > 0 ? resolve(examples[0])?.value : media.example;
    const text = example === undefined ? '' : isJson(mediaType) ? JSON.stringify(example, null, 2) : String(example);
    return { mediaType, text };
  }

  /** The headers the spec documents for this answer (its status, its class, or default; else any of the operation's). @param {Entry} entry @param {number} status */
  function documentedHeaders(entry, status) {
    const responses = entry.op.responses ?? {};
    const match = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    const names = new Set(['Content-Type']);
    for (const response of (match ? [match] : Object.values(responses)).map(resolve)) for (const name of Object.keys(response?.headers ?? {})) names.add(name);
    return [...names];
  }

  /** @type {AbortController | undefined} */
  let inFlight;

  async function send() {
    const entry = current;
    let path = entry.path;
    const query = new URLSearchParams();
    const headers = new Headers();
    for (const control of parameterControls) {
      const { in: location, name = '' } = control.dataset;
      if (control.value === '') continue;
      if (location === 'path') path = path.replace(`{${name}}`, encodeURIComponent(control.value));
      else if (location === 'query') query.append(name, control.value);
      else headers.set(name, control.value);
    }
    const scheme = schemes.get(schemeSelect.value);
    const needsCredential = entry.security.length > 0 && !entry.security.some((requirement) => Object.keys(requirement).length === 0);
    if (needsCredential && scheme && secret.value !== '') headers.set(...credentialHeader(scheme, secret.value));
    const body = requestBody(entry);
    const init = /** @type {RequestInit} */ ({ method: entry.method, headers, redirect: 'manual', cache: 'no-store' });
    if (body && bodyInput.value.trim() !== '') {
      headers.set('Content-Type', body.mediaType);
      init.body = bodyInput.value;
    }
    const url = `${location.origin}${path}${query.size > 0 ? `?${query}` : ''}`;

    inFlight = new AbortController();
    init.signal = inFlight.signal;
    sendButton.disabled = true;
    stopButton.disabled = false;
    responseView.hidden = false;
    statusLine.className = '';
    statusLine.textContent = `${entry.method} ${url.slice(location.origin.length)} …`;
    headerList.replaceChildren();
    responseBody.textContent = '';
    itemView.replaceChildren();
    const started = performance.now();
    try {
      const response = await fetch(url, init);
      showHead(entry, response, url, started);
      // A new key for the next call once this one was answered; a call that got no answer keeps its
      // key, so sending it again is the safe retry the header exists for.
      for (const control of parameterControls) if (control.dataset.in === 'header' && control.dataset.name?.toLowerCase() === 'idempotency-key') control.value = freshKey();
      const text = await showBody(response);
      const collection = collections.find((candidate) => candidate.list.id === entry.id);
      const items = collection && response.ok ? listedItems(text) : undefined;
      if (collection && items) showItems(collection, items);
    } catch (error) {
      statusLine.className = 'pg-failed';
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      statusLine.textContent = inFlight.signal.aborted
        ? `${statusLine.textContent.replace(/ …$/, '')} — stopped (${reason})`
        : `${entry.method} ${url.slice(location.origin.length)}: no answer (${reason}). The browser's console says why (no connection, or a call the page's policy refuses).`;
    } finally {
      sendButton.disabled = false;
      stopButton.disabled = true;
      inFlight = undefined;
    }
  }

  /** @param {Entry} entry @param {Response} response @param {string} url @param {number} started */
  function showHead(entry, response, url, started) {
    const took = `${Math.round(performance.now() - started)} ms`;
    if (response.type === 'opaqueredirect') {
      statusLine.textContent = `${entry.method} ${url.slice(location.origin.length)}: a redirect, in ${took}. A browser does not show a script where a redirect leads; open ${url} in the address bar to follow it.`;
      return;
    }
    statusLine.className = response.ok ? '' : 'pg-failed';
    statusLine.textContent = `${response.status} ${response.statusText} (${entry.method} ${url.slice(location.origin.length)}, ${took})`;
    for (const name of documentedHeaders(entry, response.status)) {
      const value = response.headers.get(name);
      if (value === null) continue;
      headerList.append(Object.assign(document.createElement('dt'), { textContent: name }), Object.assign(document.createElement('dd'), { textContent: value }));
    }
  }

  /** Shown as it arrives (an event stream never ends on its own), pretty-printed once complete if JSON. @param {Response} response */
  async function showBody(response) {
    const reader = response.body?.getReader();
    if (!reader) return '';
    const decoder = new TextDecoder();
    let text = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      text += decoder.decode(chunk.value, { stream: true });
      responseBody.textContent = text;
    }
    text += decoder.decode();
    responseBody.textContent = isJson(response.headers.get('content-type') ?? '') ? pretty(text) : text;
    return text;
  }

  // A list answer of a managed collection: its items, each with the operations on it, and the
  // collection's create. A button only fills in the form; the visitor still presses Send.
  const collections = managedCollections(operations);
  for (const collection of collections) {
    const button = Object.assign(document.createElement('button'), { type: 'button', textContent: collection.list.op.summary ?? collection.list.path });
    button.addEventListener('click', () => {
      choose(collection.list.id);
      void send();
    });
    manage.append(' ', button);
  }
  manage.hidden = collections.length === 0;

  /** @param {ReturnType<typeof managedCollections>[number]} collection @param {Json[]} items */
  function showItems(collection, items) {
    const rows = items.map((item) => {
      const row = document.createElement('tr');
      const label = [item.name, item.url, item.description].filter((part) => typeof part === 'string').join(' · ');
      row.append(Object.assign(document.createElement('td'), { textContent: item.id }), Object.assign(document.createElement('td'), { textContent: label }));
      const cell = document.createElement('td');
      for (const action of collection.items) cell.append(actionButton(action, item.id), ' ');
      row.append(cell);
      return row;
    });
    const table = document.createElement('table');
    table.append(...rows);
    itemView.replaceChildren(
      Object.assign(document.createElement('p'), { textContent: `${items.length} on this page.` }),
      ...collection.create.map((entry) => actionButton({ entry })),
      ...(rows.length > 0 ? [table] : []),
    );
  }

  /** @param {Action} action @param {string} [id] */
  function actionButton(action, id) {
    const button = Object.assign(document.createElement('button'), { type: 'button', textContent: action.entry.op.summary ?? `${action.entry.method} ${action.entry.path}` });
    button.addEventListener('click', () => {
      choose(action.entry.id);
      const control = parameterControls.find((candidate) => candidate.dataset.in === 'path' && candidate.dataset.name === action.parameter);
      if (control && id) control.value = id;
      operationSelect.scrollIntoView({ block: 'nearest' });
      sendButton.focus({ preventScroll: true });
    });
    return button;
  }

  /** @param {string} text */
  function pretty(text) {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  }

  /** The operation whose section the reader is at (Redoc's `#tag/…/operation/<id>`), if any. */
  function operationInView() {
    return /(?:^|\/)operation\/([^/]+)$/.exec(decodeURIComponent(location.hash.slice(1)))?.[1];
  }

  operationSelect.addEventListener('change', () => choose(operationSelect.value));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void send();
  });
  stopButton.addEventListener('click', () => inFlight?.abort());
  toggle.addEventListener('click', () => {
    panel.hidden = !panel.hidden;
    toggle.setAttribute('aria-expanded', String(!panel.hidden));
    toggle.textContent = panel.hidden ? 'Try it' : 'Close';
    const inView = operationInView();
    if (!panel.hidden && inView && inView !== current.id) choose(inView);
  });
  choose(operationInView() ?? '');
})();
