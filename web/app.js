/*
 * app.js - the trawl web interface: search, item, conversation, people and
 * archive views over the JSON API (docs/api.md).
 *
 * Rules this file keeps, because the documents it shows were chosen by
 * attackers:
 *  - evidence only ever reaches the page as text nodes: no string is
 *    ever parsed as markup here, and highlighted snippets are rebuilt
 *    from the server's escaped form into text nodes and <mark>s;
 *  - every link it makes points into this application (a path it builds
 *    from ids or from the query language), never to an address found in a
 *    document;
 *  - an email's own HTML is only shown in <iframe sandbox> from the
 *    sandboxed endpoint, whose Content-Security-Policy forbids scripts and
 *    every network load.
 * No framework, no build step, nothing fetched from elsewhere.  Views are
 * functions of the URL, so every view is a permalink.
 */
'use strict';

(function () {
  // ------------------------------------------------------------ utilities

  const $ = (sel, el) => (el || document).querySelector(sel);
  const $$ = (sel, el) => Array.from((el || document).querySelectorAll(sel));

  /* h('div.cls#id', {attrs}, children...) builds an element; strings
   * become text nodes, never markup. */
  function h(spec, attrs, ...kids) {
    const m = /^([a-z0-9]+)?((?:[.#][\w-]+)*)$/i.exec(spec);
    const el = document.createElement((m && m[1]) || 'div');
    if (m && m[2]) {
      for (const part of m[2].match(/[.#][\w-]+/g)) {
        if (part[0] === '.') el.classList.add(part.slice(1));
        else el.id = part.slice(1);
      }
    }
    if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
      kids.unshift(attrs);
      attrs = null;
    }
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'class') el.classList.add(...String(v).split(/\s+/).filter(Boolean));
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    append(el, kids);
    return el;
  }

  function append(el, kids) {
    for (const k of kids) {
      if (k === null || k === undefined || k === false) continue;
      if (Array.isArray(k)) append(el, k);
      else if (k instanceof Node) el.appendChild(k);
      else el.appendChild(document.createTextNode(String(k)));
    }
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  /* An internal link: href is always a path of this application. */
  function link(path, ...kids) {
    return h('a', { href: path, 'data-nav': true }, ...kids);
  }

  const nf = new Intl.NumberFormat('en');
  const num = (n) => nf.format(n || 0);

  function size(b) {
    if (b === null || b === undefined) return '';
    const u = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    let v = b;
    while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return i === 0 ? b + ' B' : v.toFixed(v < 10 ? 1 : 0) + ' ' + u[i];
  }

  /* "2001-05-14T16:39:00Z" -> "2001-05-14 16:39" (UTC, as stored). */
  function shortDate(iso) {
    if (!iso) return '';
    return iso.slice(0, 10) + ' ' + iso.slice(11, 16);
  }

  /* Date in the sender's own zone, from UTC and the offset in minutes. */
  function zonedDate(iso, tz) {
    if (!iso) return '';
    const t = Date.parse(iso);
    if (isNaN(t) || tz === undefined || tz === null) return shortDate(iso) + ' UTC';
    const d = new Date(t + tz * 60000).toISOString();
    const a = Math.abs(tz);
    const z = (tz < 0 ? '-' : '+') + String(Math.floor(a / 60)).padStart(2, '0') + String(a % 60).padStart(2, '0');
    return d.slice(0, 10) + ' ' + d.slice(11, 16) + ' ' + z;
  }

  /* Snippet HTML from the server (escaped text and <mark>) rebuilt as
   * nodes, so nothing in it can be markup even if escaping failed. */
  function snippetNodes(s) {
    const out = [];
    let marked = false;
    for (const part of String(s || '').split(/(<mark>|<\/mark>)/)) {
      if (part === '<mark>') { marked = true; continue; }
      if (part === '</mark>') { marked = false; continue; }
      if (!part) continue;
      const text = part.replace(/&(lt|gt|amp|quot|#39);/g, (_, e) =>
        ({ lt: '<', gt: '>', amp: '&', quot: '"', '#39': "'" })[e]);
      out.push(marked ? h('mark', text) : document.createTextNode(text));
    }
    return out;
  }

  /* Quote a value for the query language when it needs it. */
  function qv(v) {
    v = String(v);
    return /^[^\s"()]+$/.test(v) && !/^(AND|OR|NOT)$/.test(v) ? v : '"' + v.replace(/"/g, '') + '"';
  }

  function toast(msg, ms) {
    const t = $('#toast');
    t.textContent = msg;
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.hidden = true; }, ms || 4000);
  }

  // ------------------------------------------------------------ API

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || ('HTTP ' + status));
      this.status = status;
      this.body = body || {};
    }
  }

  let viewAbort = null;

  async function api(path, opts) {
    opts = opts || {};
    const init = {
      method: opts.method || 'GET',
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
      signal: opts.signal || (viewAbort && viewAbort.signal),
    };
    if (opts.body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(opts.body);
    }
    const r = await fetch(path, init);
    let body = null;
    try { body = await r.json(); } catch (e) { body = null; }
    if (r.status === 401 && !opts.noLogin) {
      showLogin();
      throw new ApiError(401, body);
    }
    if (!r.ok) throw new ApiError(r.status, body);
    return body;
  }

  let endpoints = new Set();
  let writable = false;
  let ready = Promise.resolve();
  const has = (p) => endpoints.has(p);

  // ------------------------------------------------------------ login

  function showLogin(message) {
    const main = clear($('#main'));
    const input = h('input#token', { type: 'password', autocomplete: 'current-password', placeholder: 'access token', 'aria-label': 'Access token' });
    const msg = h('p.muted', message || 'This archive is served beyond this machine. Enter the access token printed when the server started.');
    const form = h('form.login', {
      onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          await api('/api/login', { method: 'POST', body: { token: input.value.trim() }, noLogin: true });
          await boot();
        } catch (e) {
          msg.textContent = e.status === 401 ? 'That token is not right.' : e.message;
          msg.className = 'err';
        }
      },
    }, h('h1', 'Sign in'), msg, input, h('button.btn.primary', { type: 'submit' }, 'Sign in'));
    main.appendChild(form);
    input.focus();
  }

  // ------------------------------------------------------------ query box

  /* Replaced by the parser's own list (GET /api/fields) at start; this
   * copy only serves until then. */
  let FIELDS = [
    ['from:', 'sender address or name'], ['to:', 'To recipient'], ['cc:', 'Cc recipient'],
    ['bcc:', 'Bcc recipient'], ['recipient:', 'any of To, Cc, Bcc'], ['contact:', 'any address, sender included'],
    ['subject:', 'words in the subject or title'], ['body:', 'words in the body'],
    ['date:', '2001, 2001-05, 2001-05-01..2001-06-15, ..2001'], ['has:', 'attachment, error'],
    ['filename:', 'file or attachment name, * wildcards'], ['type:', 'email, pdf, word, spreadsheet, ...'],
    ['ext:', 'extension: docx'], ['mime:', 'MIME type: image/*'], ['path:', 'part of the family path'],
    ['author:', 'document author'], ['size:', '>10MB, <1k, 1k..2m'], ['depth:', '0 = file on disk'],
    ['kind:', 'file, message, attachment, member'], ['label:', 'custodian label'], ['id:', 'item id'],
    ['mid:', 'Message-ID'], ['thread:', 'a conversation: thread:ID'], ['person:', 'any address of a person'],
    ['tag:', 'items tagged'],
  ];
  const VALUES = {
    'has:': ['attachment', 'error', 'pii'],
    'pii:': ['ssn', 'card', 'iban', 'phone', 'email', 'password', 'key', 'dob', 'ip', 'any'],
    'dkim:': ['pass', 'fail', 'nokey', 'none'],
    'type:': ['email', 'pdf', 'word', 'spreadsheet', 'presentation', 'archive', 'html', 'text', 'image', 'mbox', 'other'],
    'kind:': ['file', 'message', 'attachment', 'member'],
  };
  const PERSON_FIELDS = new Set(['from:', 'to:', 'cc:', 'bcc:', 'recipient:', 'contact:', 'person:']);

  const qInput = () => $('#q');
  let sugg = { items: [], sel: -1, start: 0, end: 0 };

  /* The token under the caret: [start, end) and its text. */
  function tokenAt(value, caret) {
    let s = caret;
    while (s > 0 && !/[\s()]/.test(value[s - 1])) s--;
    let e = caret;
    while (e < value.length && !/[\s()]/.test(value[e])) e++;
    return { start: s, end: e, text: value.slice(s, caret) };
  }

  let suggTimer = null;
  let suggSeq = 0;

  async function updateSuggest() {
    const input = qInput();
    const t = tokenAt(input.value, input.selectionStart || 0);
    const word = t.text.replace(/^-/, '');
    const neg = t.text.startsWith('-') ? 1 : 0;
    let items = [];
    const colon = word.indexOf(':');
    if (word.length >= 1 && colon < 0) {
      items = FIELDS.filter(([f]) => f.startsWith(word.toLowerCase()) && f !== word)
        .map(([f, d]) => ({ insert: f, label: f, hint: d, keepOpen: true }));
    } else if (colon > 0) {
      const field = word.slice(0, colon + 1).toLowerCase();
      const val = word.slice(colon + 1).replace(/^"/, '');
      if (VALUES[field]) {
        items = VALUES[field].filter((v) => v.startsWith(val.toLowerCase()) && v !== val)
          .map((v) => ({ insert: field + v, label: field + v, hint: '' }));
      } else if (PERSON_FIELDS.has(field) && val.length >= 2 && has('/api/people')) {
        const seq = ++suggSeq;
        try {
          const r = await api('/api/people?size=8&match=' + encodeURIComponent(val), { signal: undefined });
          if (seq !== suggSeq) return;
          items = (r.people || []).map((p) => ({
            insert: field + qv(p.address), label: p.address, hint: p.name || '',
          }));
        } catch (e) { items = []; }
      }
    }
    sugg = { items: items.slice(0, 10), sel: -1, start: t.start + neg, end: t.end };
    renderSuggest();
  }

  function renderSuggest() {
    const ul = clear($('#suggest'));
    ul.hidden = sugg.items.length === 0;
    sugg.items.forEach((it, i) => {
      ul.appendChild(h('li', {
        role: 'option', 'aria-selected': i === sugg.sel ? 'true' : 'false', class: i === sugg.sel ? 'on' : null,
        onmousedown: (ev) => { ev.preventDefault(); acceptSuggest(i); },
      }, h('span.sv', it.label), it.hint ? h('span.sh', it.hint) : null));
    });
  }

  function acceptSuggest(i) {
    const it = sugg.items[i];
    if (!it) return;
    const input = qInput();
    const v = input.value;
    const tail = it.keepOpen ? '' : ' ';
    input.value = v.slice(0, sugg.start) + it.insert + tail + v.slice(sugg.end).replace(/^\s+/, '');
    const caret = sugg.start + it.insert.length + tail.length;
    input.setSelectionRange(caret, caret);
    sugg.items = [];
    renderSuggest();
    if (it.keepOpen) updateSuggest();
    checkQuery();
  }

  let checkTimer = null;
  function checkQuery() {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(async () => {
      const q = qInput().value;
      const box = $('#qerr');
      try {
        await api('/api/check?q=' + encodeURIComponent(q), { signal: undefined });
        box.hidden = true;
        qInput().classList.remove('bad');
      } catch (e) {
        if (e.status !== 400) return;
        showQueryError(q, e.body);
      }
    }, 250);
  }

  function showQueryError(q, body) {
    const box = clear($('#qerr'));
    const pos = Math.min(body.position || 0, q.length);
    box.appendChild(h('span.msg', body.message || 'query error'));
    box.appendChild(h('code', q.slice(0, pos), h('span.caret', q.slice(pos, pos + 1) || ' '), q.slice(pos + 1)));
    box.hidden = false;
    qInput().classList.add('bad');
  }

  function setupQueryBox() {
    const input = qInput();
    input.addEventListener('input', () => {
      clearTimeout(suggTimer);
      suggTimer = setTimeout(updateSuggest, 60);
      checkQuery();
    });
    input.addEventListener('keydown', (ev) => {
      if (!sugg.items.length) {
        if (ev.key === 'Escape') input.blur();
        return;
      }
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault();
        const n = sugg.items.length;
        sugg.sel = (sugg.sel + (ev.key === 'ArrowDown' ? 1 : n - 1 + (sugg.sel < 0 ? 1 : 0))) % n;
        renderSuggest();
      } else if ((ev.key === 'Tab' || ev.key === 'Enter') && sugg.sel >= 0) {
        ev.preventDefault();
        acceptSuggest(sugg.sel);
      } else if (ev.key === 'Tab' && sugg.items.length === 1) {
        ev.preventDefault();
        acceptSuggest(0);
      } else if (ev.key === 'Escape') {
        sugg.items = [];
        renderSuggest();
      }
    });
    input.addEventListener('blur', () => setTimeout(() => { sugg.items = []; renderSuggest(); }, 100));
    $('#searchform').addEventListener('submit', (ev) => {
      ev.preventDefault();
      sugg.items = [];
      renderSuggest();
      const p = new URLSearchParams(currentSearch());
      p.set('q', input.value.trim());
      p.delete('page');
      performance.clearMarks();
      performance.mark('search-start');
      go('/search?' + p.toString());
    });
    $('#helpbtn').addEventListener('click', toggleHelp);
  }

  function toggleHelp() {
    const box = $('#help');
    if (!box.hidden) { box.hidden = true; return; }
    clear(box);
    const rows = [
      ['budget report', 'both words, in subject, body or file names'],
      ['"engine room fire"', 'the phrase'],
      ['budg*', 'words starting with budg'],
      ['a OR b   NOT a   -a   ( … )', 'boolean logic'],
    ];
    box.appendChild(h('div.helpgrid',
      h('div', h('h3', 'Words'), h('table', rows.map(([a, b]) => h('tr', h('td', h('code', a)), h('td', b))))),
      h('div', h('h3', 'Fields'), h('table', FIELDS.map(([f, d]) => h('tr', h('td', h('code', f)), h('td', d)))))));
    box.appendChild(h('p.muted', 'Keys: / search · j k next/previous · o or Enter open · u back to the list · ? this help. ',
      'Tab completes a field or a person.'));
    box.hidden = false;
  }

  // ------------------------------------------------------------ routing

  function currentSearch() {
    return location.pathname === '/search' || location.pathname === '/' ? location.search : '';
  }

  function go(url, replace) {
    if (replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
    route();
  }

  document.addEventListener('click', (ev) => {
    const a = ev.target.closest && ev.target.closest('a[data-nav]');
    if (!a || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    go(a.getAttribute('href'));
  });
  window.addEventListener('popstate', route);

  function setNav(view) {
    for (const a of $$('#nav a')) a.classList.toggle('on', a.dataset.view === view);
  }

  async function route() {
    if (viewAbort) viewAbort.abort();
    viewAbort = new AbortController();
    $('#help').hidden = true;
    const u = new URL(location.href);
    const p = u.pathname;
    let m;
    try {
      if (p === '/' || p === '/search') await viewSearch(u.searchParams);
      else if ((m = /^\/item\/(\d+)$/.exec(p))) await viewItem(+m[1], u.searchParams);
      else if ((m = /^\/thread\/(\d+)$/.exec(p))) await viewThread(+m[1], u.searchParams);
      else if (p === '/people') await viewPeople(u.searchParams);
      else if ((m = /^\/person\/(.+)$/.exec(p))) await viewPerson(decodeURIComponent(m[1]), u.searchParams);
      else if (p === '/stats') await viewStats();
      else if (p === '/errors') await viewErrors(u.searchParams);
      else notFound('There is no page at this address.');
    } catch (e) {
      if (e.name === 'AbortError' || e.status === 401) return;
      notFound(e.message);
    }
  }

  function notFound(msg) {
    setNav('');
    const main = clear($('#main'));
    main.appendChild(h('div.empty', h('h1', 'Not found'), h('p', msg), link('/search', 'Back to search')));
  }

  // ------------------------------------------------------------ search view

  let lastList = null; // { url, ids } of the last results shown, for j/k and u

  async function viewSearch(params) {
    setNav('search');
    const q = params.get('q') || '';
    const sort = params.get('sort') || 'relevance';
    const size = Math.min(200, Math.max(1, +(params.get('size') || 50)));
    const page = Math.max(1, +(params.get('page') || 1));
    const collapse = params.get('collapse') === 'thread';
    qInput().value = q;
    document.title = (q ? q + ' – ' : '') + 'trawl';

    const main = clear($('#main'));
    const facets = h('aside.facets#facets', { 'aria-label': 'Refine' });
    const head = h('div.reshead');
    const timeline = h('div.timeline#timeline', { hidden: true });
    const list = h('div.results#results', { role: 'list' }, h('div.loading', 'Searching…'));
    const pager = h('nav.pager', { 'aria-label': 'Pages' });
    const filterBtn = h('button.btn.filters', { type: 'button', onclick: () => facets.classList.toggle('show') }, 'Filters');
    main.appendChild(h('div.searchview', facets, h('section.resmain', head, timeline, list, pager)));

    const ap = new URLSearchParams({ q, sort, size: String(size), page: String(page) });
    if (collapse) ap.set('collapse', 'thread');
    let r;
    try {
      r = await api('/api/search?' + ap.toString());
    } catch (e) {
      if (e.status === 400 && e.body && e.body.error === 'syntax') {
        showQueryError(q, e.body);
        clear(list).appendChild(h('div.empty', h('p', 'The query has an error: ' + e.message + '.'),
          h('p.muted', 'Press ? for the syntax.')));
        return;
      }
      throw e;
    }
    $('#qerr').hidden = true;
    qInput().classList.remove('bad');

    const from = r.total ? r.offset + 1 : 0;
    const to = r.offset + r.hits.length;
    const sortSel = h('select', {
      'aria-label': 'Sort', onchange: (ev) => {
        const np = new URLSearchParams(params); np.set('sort', ev.target.value); np.delete('page');
        go('/search?' + np.toString());
      },
    }, [['relevance', 'Relevance'], ['-date', 'Newest first'], ['date', 'Oldest first']].map(([v, l]) =>
      h('option', { value: v, selected: v === sort }, l)));
    const collapseBox = h('label.chk', h('input', {
      type: 'checkbox', checked: collapse, onchange: (ev) => {
        const np = new URLSearchParams(params);
        if (ev.target.checked) np.set('collapse', 'thread'); else np.delete('collapse');
        np.delete('page');
        go('/search?' + np.toString());
      },
    }), ' one per conversation');
    clear(head).appendChild(h('div.resinfo',
      h('span.count', r.total ? `${num(from)}–${num(to)} of ${num(r.total)}` : 'No results'),
      h('span.took', `${Math.round(r.took_ms)} ms`), filterBtn,
      h('span.spacer'), collapseBox, sortSel));

    clear(list);
    if (!r.hits.length) {
      list.appendChild(h('div.empty', h('p', r.total ? 'No results on this page.' : 'Nothing matches this query.'),
        q ? h('p.muted', 'Try fewer words, a prefix (budg*), or OR between alternatives.') : null));
    }
    const qs = q ? '?q=' + encodeURIComponent(q) : '';
    for (const hit of r.hits) list.appendChild(hitRow(hit, qs));
    lastList = { url: location.pathname + location.search, ids: r.hits.map((x) => x.id) };
    renderPager(pager, r, params);
    selectRow(0, true);
    performance.mark('results');
    await ready;

    // Facets and timeline load after the first page is on screen.
    if (has('/api/facets')) loadFacets(facets, q).catch(() => {});
    else facets.appendChild(basicFacets(q));
    if (has('/api/timeline')) loadTimeline(timeline, q).catch(() => {});
  }

  /* "Name <addr>, Other <addr2>" -> [{name, addr}] for display. */
  function parseAddrs(s) {
    const out = [];
    const re = /\s*(?:"?([^",<]*?)"?\s*<([^>]*)>|([^,\s]+))\s*(?:,|$)/g;
    let m;
    while ((m = re.exec(s || '')) && m[0]) out.push({ name: (m[1] || '').trim(), addr: m[2] || m[3] || '' });
    return out;
  }
  const nameOf = (a) => a.name || a.addr;

  /* Where a non-email item sits: the last two containers of its path. */
  function shortPlace(path) {
    const parts = String(path || '').split(/!\/|\//).filter(Boolean);
    parts.pop();
    return parts.slice(-2).join(' › ');
  }

  function hitRow(hit, qs) {
    const isMail = hit.type === 'email';
    const from = parseAddrs(hit.from)[0];
    const who = isMail ? (from ? nameOf(from) : '(no sender)') : shortPlace(hit.path);
    const badges = [];
    if (hit.kind && hit.kind !== 'file' && hit.kind !== 'message') badges.push(h('span.badge', hit.kind));
    if (!isMail && hit.type) badges.push(h('span.badge.t', hit.type));
    if (hit.occurrences > 1) badges.push(h('span.badge', { title: 'identical content found at several places' }, hit.occurrences + ' places'));
    if (hit.thread_hits > 1) badges.push(h('span.badge', hit.thread_hits + ' in conversation'));
    const to = isMail ? parseAddrs(hit.to) : [];
    return h('article.hit', { role: 'listitem', dataset: { id: hit.id } },
      h('div.hl1',
        h('span.date', shortDate(hit.date) || '—'),
        h('span.who', { title: isMail ? hit.from || '' : hit.path || '' }, who),
        h('a.subj', { href: '/item/' + hit.id + qs, 'data-nav': true }, hit.subject || '(no subject)'),
        badges),
      to.length ? h('div.to', { title: hit.to }, 'to ' + to.slice(0, 4).map(nameOf).join(', ') + (to.length > 4 ? ` +${to.length - 4}` : '')) : null,
      h('div.snip', snippetNodes(hit.snippet_html)));
  }

  function renderPager(nav, r, params) {
    clear(nav);
    if (!r.size || r.total <= r.size) return;
    const pages = Math.ceil(Math.min(r.total, 10000000) / r.size);
    const cur = Math.floor(r.offset / r.size) + 1;
    const url = (p) => { const np = new URLSearchParams(params); np.set('page', String(p)); return '/search?' + np.toString(); };
    const item = (p, label) => p === cur ? h('span.cur', label || String(p)) : link(url(p), label || String(p));
    if (cur > 1) nav.appendChild(link(url(cur - 1), '‹ Previous'));
    const shown = new Set([1, 2, cur - 2, cur - 1, cur, cur + 1, cur + 2, pages - 1, pages]);
    let last = 0;
    for (const p of [...shown].filter((p) => p >= 1 && p <= pages).sort((a, b) => a - b)) {
      if (p - last > 1) nav.appendChild(h('span.gap', '…'));
      nav.appendChild(item(p));
      last = p;
    }
    if (cur < pages) nav.appendChild(link(url(cur + 1), 'Next ›'));
    const jump = h('input', { type: 'number', min: 1, max: pages, placeholder: 'page', 'aria-label': 'Go to page' });
    nav.appendChild(h('form.jump', {
      onsubmit: (ev) => { ev.preventDefault(); const p = Math.min(pages, Math.max(1, +jump.value || 1)); go(url(p)); },
    }, jump, h('button.btn', { type: 'submit' }, 'Go')));
  }

  /* Without a facet endpoint: the types of the archive, each refining the
   * query, with counts from the archive statistics. */
  function basicFacets(q) {
    const box = h('div');
    api('/api/stats').then((s) => {
      const rows = Object.entries(s.by_type || {}).filter(([t]) => t !== 'empty' && t !== 'mbox');
      box.appendChild(facetGroup('Type', rows.map(([t, n]) => ({ label: t, count: n, term: 'type:' + t })), q, 'in archive'));
      box.appendChild(facetGroup('Has', [
        { label: 'attachments', term: 'has:attachment' }, { label: 'errors', term: 'has:error' }], q));
    }).catch(() => {});
    return box;
  }

  const FACETS = [['from', 'Senders'], ['recipient', 'Recipients'], ['type', 'Types'], ['year', 'Years'],
    ['month', 'Months'], ['tag', 'Tags'], ['label', 'Custodians'], ['ext', 'Extensions']];

  async function loadFacets(box, q) {
    const r = await api('/api/facets?limit=12&q=' + encodeURIComponent(q));
    clear(box);
    const fs = r.facets || {};
    const seen = new Set();
    for (const [key, title] of [...FACETS, ...Object.keys(fs).map((k) => [k, k])]) {
      const f = fs[key];
      if (!f || seen.has(key) || !f.values || !f.values.length) continue;
      seen.add(key);
      // A month list is only worth showing inside one year or so.
      if (key === 'month' && f.values.length > 24) continue;
      const person = f.field === 'from' || f.field === 'recipient';
      // People by name; a name seen with two addresses gets its domain.
      const names = f.values.map((x) => person ? nameOf(parseAddrs(x.label || x.value)[0] || { addr: x.value }) : (x.label || x.value));
      const dup = (n) => names.filter((m) => m === n).length > 1;
      box.appendChild(facetGroup(title, f.values.map((x, i) => ({
        label: person && dup(names[i]) ? `${names[i]} (${String(x.value).split('@')[1] || x.value})` : names[i],
        title: f.field + ':' + qv(x.value), count: x.count, term: f.field + ':' + qv(x.value),
      })), q, f.others ? `+${num(f.others)} more` : null));
    }
    if (!box.childElementCount) box.appendChild(h('p.muted', 'Nothing to refine.'));
  }

  function facetGroup(title, rows, q, note) {
    const g = h('section.fg', h('h4', title, note ? h('span.muted', ' ' + note) : null));
    const ul = h('ul');
    rows.forEach((x, i) => {
      const nq = (q ? (/\sOR\s/.test(q) ? '(' + q + ')' : q) + ' ' : '') + x.term;
      const active = q.split(/\s+/).includes(x.term);
      ul.appendChild(h('li', { class: i >= 8 ? 'more' : null },
        h('a', { href: '/search?q=' + encodeURIComponent(active ? q : nq), 'data-nav': true, title: x.title || x.term, class: active ? 'on' : null },
          h('span.fl', x.label), x.count !== undefined ? h('span.fc', num(x.count)) : null)));
    });
    g.appendChild(ul);
    if (rows.length > 8) {
      g.appendChild(h('button.linkish', { type: 'button', onclick: (ev) => { g.classList.toggle('open'); ev.target.textContent = g.classList.contains('open') ? 'fewer' : `all ${rows.length}`; } }, `all ${rows.length}`));
    }
    return g;
  }

  async function loadTimeline(box, q) {
    const r = await api('/api/timeline?q=' + encodeURIComponent(q));
    let b = r.buckets || [];
    // Stray dates (1970, 2044 in real dumps) would squash the chart: keep
    // the span that holds all but the outer 0.5 % of the hits.
    const sum = b.reduce((a, x) => a + x.count, 0);
    let lo = 0;
    let hi = b.length - 1;
    for (let acc = 0; lo < hi && acc + b[lo].count <= sum * 0.005; lo++) acc += b[lo].count;
    for (let acc = 0; hi > lo && acc + b[hi].count <= sum * 0.005; hi--) acc += b[hi].count;
    const outside = sum - b.slice(lo, hi + 1).reduce((a, x) => a + x.count, 0);
    b = b.slice(lo, hi + 1);
    if (b.length < 2) return;
    clear(box);
    const max = Math.max(...b.map((x) => x.count));
    const W = 1000;
    const H = 60;
    const bw = W / b.length;
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Hits over time');
    b.forEach((x, i) => {
      const hgt = x.count ? Math.max(1.5, (x.count / max) * (H - 2)) : 0;
      const rect = document.createElementNS(ns, 'rect');
      rect.setAttribute('x', String(i * bw + bw * 0.1));
      rect.setAttribute('width', String(Math.max(0.5, bw * 0.8)));
      rect.setAttribute('y', String(H - hgt));
      rect.setAttribute('height', String(hgt));
      const t = document.createElementNS(ns, 'title');
      t.textContent = `${x.period}: ${num(x.count)}`;
      rect.appendChild(t);
      if (!/W/.test(x.period)) rect.addEventListener('click', () => go('/search?q=' + encodeURIComponent((q ? q + ' ' : '') + 'date:' + x.period)));
      svg.appendChild(rect);
    });
    box.appendChild(svg);
    box.appendChild(h('div.axis', h('span', b[0].period),
      h('span', `per ${r.by} · busiest ${num(max)}` + (outside ? ` · ${num(outside)} outside this span` : '') + (r.undated ? ` · ${num(r.undated)} undated` : '')),
      h('span', b[b.length - 1].period)));
    box.hidden = false;
  }

  function rows() { return $$('#results .hit'); }
  function selectRow(i, quiet) {
    const rs = rows();
    if (!rs.length) return;
    i = Math.max(0, Math.min(rs.length - 1, i));
    rs.forEach((r, k) => r.classList.toggle('sel', k === i));
    if (!quiet) rs[i].scrollIntoView({ block: 'nearest' });
  }
  function selectedRow() { return rows().findIndex((r) => r.classList.contains('sel')); }

  // ------------------------------------------------------------ item view

  async function viewItem(id, params) {
    setNav('search');
    const q = params.get('q') || '';
    const main = clear($('#main'));
    main.appendChild(h('div.loading', 'Loading…'));
    qInput().value = q;
    const [it] = await Promise.all([api('/api/items/' + id), ready]);
    document.title = (it.subject || it.name || 'item ' + id) + ' – trawl';
    clear(main);

    const isMail = it.type === 'email';
    const qs = q ? '?q=' + encodeURIComponent(q) : '';
    const crumbs = h('nav.crumbs', { 'aria-label': 'Family' },
      lastList ? link(lastList.url, '← Results') : link('/search' + qs, '← Search'),
      (it.family || []).map((f) => [h('span.sep', '›'), link('/item/' + f.id + qs, f.subject || f.name || f.kind + ' ' + f.id)]),
      h('span.sep', '›'), h('span.here', it.subject || it.name || 'item ' + id));

    const addrs = { from: [], to: [], cc: [], bcc: [], 'reply-to': [], sender: [] };
    for (const a of it.addresses || []) (addrs[a.role] = addrs[a.role] || []).push(a);
    const person = (a) => {
      const label = a.name ? `${a.name} <${a.address}>` : a.address;
      if (!a.address) return h('span', label || '');
      const path = has('/api/people/{str}') ? '/person/' + encodeURIComponent(a.address)
        : '/search?q=' + encodeURIComponent('contact:' + qv(a.address));
      return link(path, label);
    };
    const meta = h('dl.meta');
    const row = (k, ...v) => { if (v.some((x) => x !== null && x !== undefined && x !== '')) meta.append(h('dt', k), h('dd', ...v)); };
    for (const role of ['from', 'sender', 'reply-to', 'to', 'cc', 'bcc']) {
      if (addrs[role].length) row(role[0].toUpperCase() + role.slice(1), addrs[role].map((a, i) => [i ? ', ' : '', person(a)]));
    }
    if (isMail || it.date) row('Date', it.date ? zonedDate(it.date, it.tz_offset) : (it.date_header ? '(unparsable) ' + it.date_header : '(none)'),
      it.date ? h('span.muted', '  ' + shortDate(it.date) + ' UTC') : null);
    if (!isMail) row('Name', it.name);
    row('Type', [it.type, it.mime ? ` (${it.mime})` : '', ' · ', size(it.size), ' · ', it.kind]);
    if (it.message_id) row('Message-ID', h('code', it.message_id));
    if (it.in_reply_to) row('In-Reply-To', h('code', it.in_reply_to));
    if (it.label) row('Custodian', it.label);

    const actions = h('div.actions',
      h('a.btn', { href: '/api/items/' + id + '/raw', download: '', title: 'The exact original bytes, as a file' }, 'Download original'),
      it.thread && has('/api/threads/{id}') ? link('/thread/' + it.thread + (qs ? qs + '&' : '?') + 'from=' + id, 'Conversation') : null,
      it.parent ? link('/item/' + it.parent + qs, 'Parent') : null);
    for (const a of $$('a[data-nav]', actions)) a.classList.add('btn');

    const body = h('div.body');
    const tabs = h('div.tabs', { role: 'tablist' });
    const panes = {};
    const tabDefs = [['text', 'Text']];
    if (isMail || it.type === 'html') tabDefs.push(['html', 'HTML']);
    tabDefs.push(['details', 'Details']);
    const showTab = (name) => {
      for (const b of $$('button', tabs)) b.setAttribute('aria-selected', b.dataset.tab === name ? 'true' : 'false');
      clear(body);
      if (!panes[name]) panes[name] = makePane(name);
      body.appendChild(panes[name]);
      const np = new URLSearchParams(location.search);
      if (name === 'text') np.delete('view'); else np.set('view', name);
      const s = np.toString();
      history.replaceState(null, '', location.pathname + (s ? '?' + s : ''));
    };
    const makePane = (name) => {
      if (name === 'text') return textPane(it, q);
      if (name === 'html') {
        return h('div.htmlpane',
          h('p.note', 'The sender\'s HTML, shown with scripts, forms and every network load blocked. Remote images do not load.'),
          h('iframe.mailhtml', { sandbox: '', src: '/api/items/' + id + '/html', title: 'HTML version (sandboxed)', referrerpolicy: 'no-referrer', loading: 'lazy' }));
      }
      return detailsPane(it);
    };
    for (const [name, label] of tabDefs) {
      tabs.appendChild(h('button.tab', { type: 'button', role: 'tab', dataset: { tab: name }, onclick: () => showTab(name) }, label));
    }

    const side = h('aside.side');
    if (it.children && it.children.length) {
      side.appendChild(h('section.card', h('h4', (isMail ? 'Attachments' : 'Contents') + ` (${it.children.length})`),
        h('ul.files', it.children.map((c) => h('li', link('/item/' + c.id + qs, h('span.fn', c.name || c.kind + ' ' + c.id)),
          h('span.muted', ` ${c.mime || ''} · ${size(c.size)}`))))));
    }
    if (it.places && it.places.length > 1) {
      side.appendChild(h('section.card', h('h4', `Found at ${it.places.length} places`),
        h('ul.places', it.places.map((p) => h('li', p.id === it.id ? h('span.path', p.path) : link('/item/' + p.id + qs, h('span.path', p.path)))))));
    }
    if (it.errors && it.errors.length) {
      side.appendChild(h('section.card.bad', h('h4', 'Errors'), h('ul', it.errors.map((e) => h('li', e)))));
    }
    if (has('/api/items/{id}/tags')) side.appendChild(tagsCard(it));
    if (has('/api/items/{id}/notes')) side.appendChild(notesCard(it));

    main.appendChild(h('article.item', { dataset: { id: id }, class: side.childElementCount ? null : 'noside' },
      crumbs,
      h('div.itemgrid',
        h('div.itemmain',
          h('h1.subject', it.subject || it.name || '(no subject)'),
          meta, actions, tabs, body),
        side)));
    const want = params.get('view');
    showTab(tabDefs.some(([n]) => n === want) ? want : 'text');
  }

  /* Words of the query worth highlighting in a text: plain terms, phrases
   * and subject:/body: values. */
  function queryWords(q) {
    const out = [];
    const re = /(-?)(?:(\w+):)?("([^"]*)"|[^\s()"]+)/g;
    let m;
    while ((m = re.exec(q))) {
      if (m[1]) continue;
      const field = (m[2] || '').toLowerCase();
      if (field && field !== 'subject' && field !== 'body') continue;
      let w = m[4] !== undefined ? m[4] : m[3];
      if (/^(AND|OR|NOT)$/.test(w)) continue;
      w = w.replace(/\*$/, '');
      if (w.length >= 2) out.push(w);
    }
    return out;
  }

  function textPane(it, q) {
    const text = it.text || '';
    const pre = h('pre.text');
    if (!text) {
      return h('div.empty', h('p', it.errors && it.errors.length ? 'No text could be extracted (see Errors).' : 'This item has no text.'));
    }
    const words = queryWords(q).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    const re = words.length ? new RegExp('(' + words.join('|') + ')', 'giu') : null;
    // Quoted lines (replies) are dimmed so the new text stands out.
    const lines = text.split('\n');
    let block = [];
    let quoted = null;
    const flush = () => {
      if (!block.length) return;
      const s = block.join('\n') + '\n';
      const span = quoted ? h('span.quoted') : document.createDocumentFragment();
      if (re) {
        let last = 0;
        for (const m of s.matchAll(re)) {
          span.appendChild(document.createTextNode(s.slice(last, m.index)));
          span.appendChild(h('mark', m[0]));
          last = m.index + m[0].length;
        }
        span.appendChild(document.createTextNode(s.slice(last)));
      } else {
        span.appendChild(document.createTextNode(s));
      }
      pre.appendChild(span);
      block = [];
    };
    for (const line of lines) {
      const isq = /^\s*>/.test(line);
      if (quoted !== null && isq !== quoted) flush();
      quoted = isq;
      block.push(line);
    }
    flush();
    const out = h('div', pre);
    if (it.text_cut) {
      out.appendChild(h('p.note', `Showing the first ${size(new Blob([text]).size)} of ${size(it.text_length)} of text. `,
        h('a', { href: '/api/items/' + it.id + '/text', target: '_blank', rel: 'noopener noreferrer' }, 'Whole text')));
    }
    if (it.text_truncated) out.appendChild(h('p.note', 'The archive kept only part of this text (the max_text_bytes limit).'));
    const m = $('mark', pre);
    if (m) setTimeout(() => m.scrollIntoView({ block: 'center' }), 0);
    return out;
  }

  function detailsPane(it) {
    const dl = h('dl.meta.details');
    const row = (k, v) => { if (v !== null && v !== undefined && v !== '') dl.append(h('dt', k), h('dd', v)); };
    row('Item id', String(it.id));
    row('Path', h('span.path', it.path));
    if (it.disk_path && it.disk_path !== it.path) row('File on disk', h('span.path', it.disk_path));
    row('SHA-256', h('code', it.sha256 || ''));
    row('MD5', h('code', it.md5 || ''));
    row('Size', `${num(it.size)} bytes`);
    row('Depth', String(it.depth));
    if (it.date_header) row('Date header', it.date_header);
    if (it.references) row('References', h('code.wrap', it.references));
    for (const [k, v] of Object.entries(it.metadata || {})) row(k, v);
    return dl;
  }

  // ------------------------------------------------------------ tags and notes

  function tagsCard(it) {
    const card = h('section.card', h('h4', 'Tags'));
    const list = h('div.tags');
    const input = h('input', { type: 'text', placeholder: 'add a tag', 'aria-label': 'Add a tag', maxlength: 64 });
    const render = (tags) => {
      clear(list);
      for (const t of tags) {
        list.appendChild(h('span.tag', link('/search?q=' + encodeURIComponent('tag:' + qv(t)), t),
          h('button.x', {
            type: 'button', title: 'Remove tag', 'aria-label': 'Remove tag ' + t, onclick: async () => {
              try { render((await api('/api/items/' + it.id + '/tags/' + encodeURIComponent(t), { method: 'DELETE', body: {} })).tags); } catch (e) { toast(e.message); }
            },
          }, '×')));
      }
    };
    render(it.tags || []);
    if (!writable) { card.append(list, h('p.muted', 'Read-only archive.')); return card; }
    card.append(list, h('form.inline', {
      onsubmit: async (ev) => {
        ev.preventDefault();
        const t = input.value.trim();
        if (!t) return;
        try { render((await api('/api/items/' + it.id + '/tags', { method: 'POST', body: { tag: t } })).tags); input.value = ''; } catch (e) { toast(e.message); }
      },
    }, input));
    return card;
  }

  function notesCard(it) {
    const card = h('section.card', h('h4', 'Notes'));
    const list = h('ul.notes');
    const ta = h('textarea', { rows: 3, placeholder: 'add a note (visible to everyone using this archive)', 'aria-label': 'Add a note', maxlength: 8000 });
    const render = (notes) => {
      clear(list);
      for (const n of notes) {
        list.appendChild(h('li', h('div.nt', n.text), h('div.muted', shortDate(n.created) + (n.author ? ' · ' + n.author : '')),
          n.id !== undefined ? h('button.linkish', {
            type: 'button', onclick: async () => {
              try { render((await api('/api/items/' + it.id + '/notes/' + n.id, { method: 'DELETE', body: {} })).notes); } catch (e) { toast(e.message); }
            },
          }, 'delete') : null));
      }
    };
    render(it.notes || []);
    if (!writable) { card.append(list); return card; }
    card.append(list, h('form.inline', {
      onsubmit: async (ev) => {
        ev.preventDefault();
        const t = ta.value.trim();
        if (!t) return;
        try { render((await api('/api/items/' + it.id + '/notes', { method: 'POST', body: { text: t } })).notes); ta.value = ''; } catch (e) { toast(e.message); }
      },
    }, ta, h('button.btn', { type: 'submit' }, 'Add note')));
    return card;
  }

  // ------------------------------------------------------------ conversation

  async function viewThread(id, params) {
    await ready;
    setNav('search');
    const q = params.get('q') || '';
    const from = +(params.get('from') || 0);
    const qs = q ? '?q=' + encodeURIComponent(q) : '';
    const main = clear($('#main'));
    main.appendChild(h('div.loading', 'Loading…'));
    const t = await api('/api/threads/' + id);
    clear(main);
    document.title = (t.subject || 'Conversation') + ' – trawl';
    const msgs = t.tree || [];
    const missing = msgs.filter((m) => m.missing).length;
    // The tree: one line per message, indented by depth; missing
    // messages (named by a reply, not in the archive) are shown greyed.
    const tree = h('ol.thread');
    const cards = h('div.tcards');
    const cardOf = new Map();
    msgs.forEach((m, i) => {
      const who = parseAddrs(m.from)[0];
      const line = h('li.tm', { class: 'd' + Math.min(m.depth || 0, 8) + (m.missing ? ' missing' : '') + (m.id === from ? ' here' : '') },
        h('div.hl1', h('span.date', shortDate(m.date) || '—'), h('span.who', { title: m.from || '' }, who ? nameOf(who) : ''),
          m.missing ? h('span.muted', (m.subject || '') + ' (not in the archive)')
            : h('button.linkish.tsubj', { type: 'button', onclick: () => cardOf.get(i).scrollIntoView({ block: 'start' }) }, m.subject || '(no subject)')));
      tree.appendChild(line);
      if (m.missing || !m.id) return;
      const body = h('div.tbody', h('span.muted', '…'));
      const card = h('article.tcard', { class: m.id === from ? 'here' : null, dataset: { id: m.id } },
        h('header', h('b', who ? nameOf(who) : m.from || ''), h('span.muted', ' ' + zonedDate(m.date, m.tz_offset)),
          h('span.spacer'), link('/item/' + m.id + qs, 'Open')),
        body);
      cardOf.set(i, card);
      cards.appendChild(card);
    });
    main.appendChild(h('article.threadview',
      h('nav.crumbs', lastList ? link(lastList.url, '← Results') : link('/search' + qs, '← Search')),
      h('h1.subject', t.subject || 'Conversation'),
      h('p.muted', `${num(t.messages)} messages` + (missing ? `, ${missing} named by replies but not in the archive` : '') +
        ' · ', link('/search?q=' + encodeURIComponent('thread:' + (from || (msgs.find((m) => m.id) || {}).id || '')), 'as search results')),
      tree, cards));
    const here = $('.tcard.here', main);
    if (here) here.scrollIntoView({ block: 'start' });
    // Texts load a few at a time; quoted lines fold away.
    const queue = [...cardOf.values()].slice(0, 100);
    const worker = async () => {
      while (queue.length) {
        const card = queue.shift();
        try {
          const it = await api('/api/items/' + card.dataset.id + '?text=30000');
          replyBody(clear($('.tbody', card)), it.text || '');
        } catch (e) {
          if (e.name === 'AbortError') return;
          clear($('.tbody', card)).appendChild(h('span.err', e.message));
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  }

  /* A message body for reading in a conversation: its own lines, and the
   * quoted ones behind a toggle. */
  function replyBody(box, text) {
    const lines = text.replace(/\s+$/, '').split('\n');
    let cut = lines.findIndex((l) => /^\s*>/.test(l) || /^-+\s*Original Message\s*-+/i.test(l) || /^On .+wrote:\s*$/.test(l));
    if (cut < 0) cut = lines.length;
    box.appendChild(h('pre.text', lines.slice(0, cut).join('\n')));
    if (cut < lines.length) {
      const rest = h('pre.text.quoted', { hidden: true }, lines.slice(cut).join('\n'));
      box.appendChild(h('button.linkish', { type: 'button', onclick: (ev) => { rest.hidden = !rest.hidden; ev.target.textContent = rest.hidden ? 'show quoted text' : 'hide quoted text'; } }, 'show quoted text'));
      box.appendChild(rest);
    }
  }

  // ------------------------------------------------------------ people

  function personLabel(p) {
    return p.name && p.name !== p.address ? `${p.name} <${p.address}>` : p.address;
  }

  async function viewPeople(params) {
    await ready;
    setNav('people');
    const q = params.get('q') || '';
    const match = params.get('match') || '';
    const page = Math.max(1, +(params.get('page') || 1));
    const sort = params.get('sort') === 'name' ? 'name' : 'messages';
    const main = clear($('#main'));
    document.title = 'People – trawl';
    const ap = new URLSearchParams({ q, match, sort, size: '100', page: String(page) });
    const graph = h('div.graph#graph', h('p.muted', 'Drawing…'));
    const table = h('table.grid', h('thead', h('tr', h('th', 'Person'), h('th.n', 'Sent'), h('th.n', 'Received'),
      h('th', 'Active'))));
    const tb = h('tbody', h('tr', h('td', { colspan: 4 }, 'Loading…')));
    table.appendChild(tb);
    const url = (np) => { const u = new URLSearchParams({ q, match, sort, page: String(page), ...np }); for (const [k, v] of [...u]) if (!v || (k === 'page' && v === '1') || (k === 'sort' && v === 'messages')) u.delete(k); const s = u.toString(); return '/people' + (s ? '?' + s : ''); };
    const filter = h('input', { type: 'search', value: match, placeholder: 'filter by name or address', 'aria-label': 'Filter people' });
    main.appendChild(h('div.peopleview',
      h('div.phead', h('h1', 'People'),
        h('form.inline.pfilter', { onsubmit: (ev) => { ev.preventDefault(); go(url({ match: filter.value.trim(), page: '1' })); } }, filter),
        h('span.spacer'),
        link(url({ sort: sort === 'name' ? 'messages' : 'name', page: '1' }), sort === 'name' ? 'busiest first' : 'by name')),
      q ? h('p.muted', 'In the messages matching ', h('code', q), ' · ', link('/people', 'all messages')) : null,
      has('/api/graph') && !match ? h('section', h('h3', 'Who writes to whom'), graph) : null,
      table));
    if (has('/api/graph') && !match) loadGraph(graph, q).catch((e) => { if (e.name !== 'AbortError') clear(graph).appendChild(h('p.err', e.message)); });
    const r = await api('/api/people?' + ap.toString());
    clear(tb);
    for (const p of r.people || []) {
      tb.appendChild(h('tr', h('td', link('/person/' + encodeURIComponent(p.address) + (q ? '?q=' + encodeURIComponent(q) : ''), personLabel(p)),
        p.addresses && p.addresses.length > 1 ? h('span.muted', ` +${p.addresses.length - 1} addresses`) : null),
        h('td.n', link('/search?q=' + encodeURIComponent('from:' + qv(p.address)), num(p.sent))),
        h('td.n', link('/search?q=' + encodeURIComponent('recipient:' + qv(p.address)), num(p.received))),
        h('td.muted', p.first ? `${p.first.slice(0, 10)} – ${p.last.slice(0, 10)}` : '')));
    }
    if (!(r.people || []).length) tb.appendChild(h('tr', h('td', { colspan: 4 }, 'Nobody matches.')));
    main.querySelector('.peopleview').appendChild(h('nav.pager',
      page > 1 ? link(url({ page: String(page - 1) }), '‹ Previous') : null,
      r.more ? link(url({ page: String(page + 1) }), 'Next ›') : null));
  }

  async function viewPerson(addr, params) {
    await ready;
    setNav('people');
    const q = params.get('q') || '';
    const main = clear($('#main'));
    document.title = addr + ' – trawl';
    const p = await api('/api/people/' + encodeURIComponent(addr) + (q ? '?q=' + encodeURIComponent(q) : ''));
    const contacts = h('table.grid', h('thead', h('tr', h('th', 'Contact'), h('th.n', 'Sent to them'), h('th.n', 'Received from them'), h('th', 'Active'))));
    const tb = h('tbody');
    const all = (p.addresses || []).map((a) => 'contact:' + qv(a.address));
    const personQ = all.length > 1 ? '(' + all.join(' OR ') + ')' : all[0] || 'contact:' + qv(p.address);
    for (const c of p.contacts || []) {
      tb.appendChild(h('tr', h('td', link('/person/' + encodeURIComponent(c.address), personLabel(c))),
        h('td.n', link('/search?q=' + encodeURIComponent(`from:${qv(p.address)} recipient:${qv(c.address)}`), num(c.sent))),
        h('td.n', link('/search?q=' + encodeURIComponent(`from:${qv(c.address)} recipient:${qv(p.address)}`), num(c.received))),
        h('td.muted', c.first ? `${c.first.slice(0, 10)} – ${c.last.slice(0, 10)}` : '')));
    }
    if (!(p.contacts || []).length) tb.appendChild(h('tr', h('td', { colspan: 4 }, 'No correspondents.')));
    contacts.appendChild(tb);
    const names = (p.names || []).map((n) => n.name).filter((n) => n && n !== p.name);
    main.appendChild(h('div.peopleview',
      h('nav.crumbs', link('/people', '← People')),
      h('h1', p.name || p.address), h('p', h('code', p.address)),
      h('div.stats',
        h('div.stat', link('/search?q=' + encodeURIComponent('from:' + qv(p.address)), h('b', num(p.sent))), h('span', 'sent')),
        h('div.stat', link('/search?q=' + encodeURIComponent('recipient:' + qv(p.address)), h('b', num(p.received))), h('span', 'received')),
        h('div.stat', link('/search?q=' + encodeURIComponent(personQ), h('b', '→')), h('span', 'all their messages')),
        p.first ? h('div.stat', h('b.small', `${p.first.slice(0, 10)} – ${p.last.slice(0, 10)}`), h('span', 'first and last message')) : null),
      names.length ? h('p.muted', 'Also written as: ' + names.join(' · ')) : null,
      (p.addresses || []).length > 1 ? h('section', h('h3', 'Addresses'), h('ul.plain', p.addresses.map((a) =>
        h('li', h('code', a.address), h('span.muted', ` ${num(a.messages)} messages` + (a.why ? ' · ' + a.why : '')))))) : null,
      h('h3', 'Contacts'), contacts));
  }

  /* A small force-directed layout in SVG: people as nodes, message counts
   * as edge widths.  Clicking a node opens the person. */
  async function loadGraph(box, q) {
    const r = await api('/api/graph?max=40&q=' + encodeURIComponent(q));
    clear(box);
    const nodes = (r.nodes || []).map((n, i) => ({ ...n, count: (n.sent || 0) + (n.received || 0), i, x: Math.cos(i * 2.4) * (60 + 4 * i) + 400, y: Math.sin(i * 2.4) * (40 + 3 * i) + 250, vx: 0, vy: 0 }));
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const edges = (r.edges || []).map((e) => ({ a: byId.get(e.source), b: byId.get(e.target), count: e.messages })).filter((e) => e.a && e.b && e.a !== e.b);
    if (!nodes.length) { box.appendChild(h('p.muted', 'No correspondence to draw.')); return; }
    const W = 900;
    const H = 520;
    // Repulsion between all nodes, springs along edges, a pull to the
    // centre; then the layout is scaled to fit, so nothing piles up on a
    // border.
    for (let it = 0; it < 400; it++) {
      const cool = 1 - it / 400;
      for (const a of nodes) {
        for (const b of nodes) {
          if (a === b) continue;
          const dx = a.x - b.x; const dy = a.y - b.y;
          const d2 = Math.max(dx * dx + dy * dy, 1);
          a.vx += (dx / d2) * 900; a.vy += (dy / d2) * 900;
        }
      }
      for (const e of edges) {
        const dx = e.b.x - e.a.x; const dy = e.b.y - e.a.y;
        const k = 0.004 * Math.log(2 + e.count);
        e.a.vx += dx * k; e.a.vy += dy * k; e.b.vx -= dx * k; e.b.vy -= dy * k;
      }
      for (const n of nodes) {
        n.vx += (W / 2 - n.x) * 0.01; n.vy += (H / 2 - n.y) * 0.01;
        n.x += Math.max(-20, Math.min(20, n.vx * 0.4 * cool)); n.y += Math.max(-20, Math.min(20, n.vy * 0.4 * cool));
        n.vx *= 0.5; n.vy *= 0.5;
      }
    }
    const xs = nodes.map((n) => n.x); const ys = nodes.map((n) => n.y);
    const minX = Math.min(...xs); const maxX = Math.max(...xs); const minY = Math.min(...ys); const maxY = Math.max(...ys);
    for (const n of nodes) {
      n.x = 70 + (maxX > minX ? (n.x - minX) / (maxX - minX) : 0.5) * (W - 140);
      n.y = 30 + (maxY > minY ? (n.y - minY) / (maxY - minY) : 0.5) * (H - 55);
    }
    const ns = 'http://www.w3.org/2000/svg';
    const el = (tag, attrs) => { const e = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v)); return e; };
    const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Who writes to whom' });
    const maxE = Math.max(...edges.map((e) => e.count), 1);
    const maxN = Math.max(...nodes.map((n) => n.count || 1), 1);
    for (const e of edges) {
      const line = el('line', { x1: e.a.x, y1: e.a.y, x2: e.b.x, y2: e.b.y, class: 'edge', 'stroke-width': 0.5 + 4 * e.count / maxE });
      const t = el('title', {}); t.textContent = `${e.a.address} → ${e.b.address}: ${e.count}`; line.appendChild(t);
      svg.appendChild(line);
    }
    for (const n of nodes) {
      const g = el('g', { class: 'node', transform: `translate(${n.x},${n.y})`, tabindex: 0 });
      g.appendChild(el('circle', { r: 4 + 10 * Math.sqrt((n.count || 1) / maxN) }));
      g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') go('/person/' + encodeURIComponent(n.address)); });
      const r0 = 4 + 10 * Math.sqrt((n.count || 1) / maxN);
      const label = el('text', { x: 0, y: r0 + 12, 'text-anchor': 'middle' });
      label.textContent = n.label && n.label !== n.address ? n.label : n.address.split('@')[0];
      g.appendChild(label);
      const t = el('title', {}); t.textContent = n.address; g.appendChild(t);
      g.addEventListener('click', () => go('/person/' + encodeURIComponent(n.address)));
      svg.appendChild(g);
    }
    box.appendChild(svg);
  }

  // ------------------------------------------------------------ archive

  async function viewStats() {
    setNav('stats');
    document.title = 'Archive – trawl';
    const main = clear($('#main'));
    const s = await api('/api/stats');
    const card = (n, label, path) => h('div.stat', path ? link(path, h('b', num(n))) : h('b', num(n)), h('span', label));
    const types = Object.entries(s.by_type || {}).sort((a, b) => b[1] - a[1]);
    const max = Math.max(1, ...types.map(([, n]) => n));
    main.appendChild(h('div.statsview',
      h('h1', 'Archive'),
      h('div.stats',
        card(s.items, 'items'), card(s.emails, 'emails', '/search?q=type%3Aemail'),
        card(s.attachments, 'attachments', '/search?q=kind%3Aattachment'), card(s.documents, 'documents'),
        card(s.duplicates, 'duplicates'), card(s.errors, 'errors', '/errors')),
      h('p.muted', `${size(s.bytes)} of distinct content · ${s.first_date ? shortDate(s.first_date) + ' to ' + shortDate(s.last_date) : 'no dates'} · ${num(s.ingest_runs)} ingest runs · archive ${size(s.archive_bytes)}`),
      h('h3', 'By type'),
      h('table.bars', types.map(([t, n]) => h('tr',
        h('td', link('/search?q=' + encodeURIComponent('type:' + t), t)),
        h('td.n', num(n)),
        h('td.barcell', h('span.bar', { style: null, dataset: { w: Math.round(100 * n / max) } })))))));
    for (const b of $$('.bar', main)) b.style.width = b.dataset.w + '%';
  }

  async function viewErrors(params) {
    setNav('stats');
    document.title = 'Errors – trawl';
    const offset = Math.max(0, +(params.get('offset') || 0));
    const main = clear($('#main'));
    const r = await api('/api/errors?size=100&offset=' + offset);
    const tb = h('tbody');
    for (const e of r.errors) {
      tb.appendChild(h('tr', h('td', e.id ? link('/item/' + e.id, String(e.id)) : '—'), h('td', h('span.path', e.path || '')),
        h('td', e.stage || ''), h('td', e.status || ''), h('td', e.message || '')));
    }
    main.appendChild(h('div.statsview', h('nav.crumbs', link('/stats', '← Archive')), h('h1', `Errors (${num(r.total)})`),
      h('table.grid', h('thead', h('tr', h('th', 'Item'), h('th', 'Path'), h('th', 'Stage'), h('th', 'Status'), h('th', 'Message'))), tb),
      r.total > offset + 100 ? link('/errors?offset=' + (offset + 100), 'Next 100 ›') : null));
  }

  // ------------------------------------------------------------ keys

  document.addEventListener('keydown', (ev) => {
    const tag = (ev.target.tagName || '').toLowerCase();
    if (tag === 'input' || tag === 'textarea' || tag === 'select' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const inList = !!$('#results');
    const k = ev.key;
    if (k === '/') { ev.preventDefault(); qInput().focus(); qInput().select(); return; }
    if (k === '?') { ev.preventDefault(); toggleHelp(); return; }
    if (inList && (k === 'j' || k === 'k')) {
      ev.preventDefault();
      selectRow(selectedRow() + (k === 'j' ? 1 : -1));
      return;
    }
    if (inList && (k === 'o' || k === 'Enter')) {
      const r = rows()[selectedRow()];
      if (r) { ev.preventDefault(); go($('a.subj', r).getAttribute('href')); }
      return;
    }
    if (!inList && (k === 'j' || k === 'k') && lastList) {
      // Next/previous result from the item view.
      const m = /^\/item\/(\d+)/.exec(location.pathname);
      const i = m ? lastList.ids.indexOf(+m[1]) : -1;
      const n = i + (k === 'j' ? 1 : -1);
      if (i >= 0 && n >= 0 && n < lastList.ids.length) go('/item/' + lastList.ids[n] + location.search.replace(/([?&])view=[^&]*&?/, '$1').replace(/[?&]$/, ''));
      return;
    }
    if (k === 'u' && !inList) {
      ev.preventDefault();
      if (lastList) go(lastList.url); else go('/search');
    }
  });

  // ------------------------------------------------------------ start

  async function boot() {
    // A token in the fragment (printed by `trawl serve`) signs in once and
    // is removed from the address bar and history.
    const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (m) {
      history.replaceState(null, '', location.pathname + location.search);
      try { await api('/api/login', { method: 'POST', body: { token: decodeURIComponent(m[1]) }, noLogin: true }); } catch (e) { /* shown below */ }
    }
    // The session (and the list of endpoints) and the first view load
    // at the same time: one round trip fewer before the first results.
    ready = api('/api/session', { noLogin: true }).then((s) => {
      endpoints = new Set(s.endpoints || []);
      writable = !!s.writable;
      $('#nav-people').hidden = !has('/api/people');
      return s;
    });
    api('/api/fields', { noLogin: true, signal: undefined }).then((r) => {
      if (r.fields && r.fields.length) FIELDS = r.fields.map((f) => [f.field + ':', f.help]);
    }).catch(() => {});
    const [s] = await Promise.all([ready, route()]);
    if (s.token_required && !s.authenticated) showLogin();
  }

  setupQueryBox();
  boot().catch((e) => notFound('The server cannot be reached: ' + e.message));
})();
