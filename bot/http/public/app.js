// 教育局看板: plain JavaScript, no build step. Every piece of data goes into the page through
// textContent (never innerHTML), except the QR code SVG that the server renders itself.
// Its words come from content/locales/zh-CN/dashboard.yml: the server inlines them into the page
// as JSON (bot/http/page.ts), keys without the leading "dashboard.".
'use strict';

const TOKEN_KEY = 'antifraud.token';
const state = { me: null, timer: null };
const $ = (sel) => document.querySelector(sel);

const TEXTS = JSON.parse(document.getElementById('texts').textContent);

/** The text under `key` with {name} placeholders filled (as bot/i18n.ts t); throws on an unknown key. */
function t(key, params = {}) {
  const v = TEXTS[key];
  if (v === undefined) throw new Error(`no text for locale key dashboard.${key}`);
  const s = Array.isArray(v) ? v.join('\n') : v;
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m)).trimEnd();
}

/** A list under `key` (table headers). */
function list(key) {
  const v = TEXTS[key];
  if (!Array.isArray(v)) throw new Error(`locale key dashboard.${key} is not a list`);
  return v;
}

/** The word for an API code (`group.code`), or the code itself when there is none. */
const word = (group, code) => (typeof TEXTS[`${group}.${code}`] === 'string' ? TEXTS[`${group}.${code}`] : code);

/** Creates an element: h('td', { class: 'x' }, 'text', child…). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function status(text, isError) {
  const s = $('#status');
  s.textContent = text || '';
  s.className = isError ? 'status error' : 'status';
}

class ApiFailure extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path, opts = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, { ...opts, headers: { ...(opts.headers || {}), authorization: `Bearer ${token}` } });
  if (res.status === 401) {
    signOut(t('signin.refused'));
    throw new ApiFailure(401, 'unauthorized');
  }
  if (!res.ok) {
    let message = t('status.request_failed', { status: res.status });
    try {
      message = (await res.json()).error.message;
    } catch {
      /* keep the generic text */
    }
    throw new ApiFailure(res.status, message);
  }
  return opts.raw ? res : res.json();
}

/** Downloads an export through fetch (the token travels in a header, never in the URL). */
async function download(path) {
  status(t('status.exporting'));
  const res = await api(path, { raw: true });
  const blob = await res.blob();
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') || '')?.[1] || 'export';
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  status(t('status.downloaded', { name }));
}

const fmtPct = (p) => (p === null || p === undefined ? '—' : `${p}%`);
// The bureau's time zone comes from the API (/api/me), the one place that knows it.
const fmtTime = (at) => (at ? new Date(at).toLocaleString('zh-CN', { timeZone: state.me?.timeZone, hour12: false }) : '—');

function bar(pct, below) {
  const w = pct === null || pct === undefined ? 0 : Math.max(0, Math.min(100, pct));
  const fill = h('span', {});
  fill.style.width = `${w}%`; // CSSOM, not a style attribute: the CSP forbids inline styles
  return h('div', { class: `bar${below ? ' below' : ''}`, title: fmtPct(pct) }, fill, h('em', {}, fmtPct(pct)));
}

function table(headers, rows, opts = {}) {
  return h('div', { class: 'table-wrap' }, h('table', { class: opts.class || '' }, h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))), h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, opts.empty || t('table_empty'))))));
}

function pager(data, go) {
  const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
  return h('div', { class: 'pager' },
    h('button', { type: 'button', disabled: data.page <= 1, onclick: () => go(data.page - 1) }, t('pager.prev')),
    h('span', {}, t('pager.page', { page: data.page, pages, total: data.total })),
    h('button', { type: 'button', disabled: data.page >= pages, onclick: () => go(data.page + 1) }, t('pager.next')));
}

/**
 * Pages of a cursor-paged list (groups, a post's deliveries): 首页 / 上一页 / 下一页 follow the API's
 * `prev` and `next` cursors. `at` (the first row's number) lives only in the address, for the label.
 * `names` renames the hash parameters when a view has two paged lists.
 */
function cursorPager(data, params, path, names = { after: 'after', before: 'before', at: 'at' }) {
  const at = data.prev ? Math.max(1, Number(params.get(names.at)) || 1) : 1;
  const end = at + data.items.length - 1;
  const go = (way, cursor, nextAt) => {
    const p = new URLSearchParams(params);
    for (const k of Object.values(names)) p.delete(k);
    if (way) {
      p.set(names[way], cursor);
      p.set(names.at, nextAt);
    }
    location.hash = `${path}?${p}`;
  };
  return h('div', { class: 'pager' },
    h('button', { type: 'button', class: 'secondary', disabled: !data.prev, onclick: () => go() }, t('pager.first')),
    h('button', { type: 'button', disabled: !data.prev, onclick: () => go('before', data.prev, Math.max(1, at - data.pageSize)) }, t('pager.prev')),
    h('span', {}, data.items.length ? t('pager.rows', { first: at, last: end, total: data.total }) : t('pager.total', { total: data.total })),
    h('button', { type: 'button', disabled: !data.next, onclick: () => go('after', data.next, end + 1) }, t('pager.next')));
}

function parseHash() {
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query || '') };
}

/**
 * Groups whose member count was unknown at send and staff present are counted apart from the
 * families (bot/ledger/coverage.ts): the percentage is over groups of known size only.
 */
function apartNote(totals) {
  const parts = [];
  if (totals.groupsUnknownSize) parts.push(t('apart.unknown_size', { groups: totals.groupsUnknownSize, confirmed: totals.confirmedUnknownSize }));
  if (totals.staff) parts.push(t('apart.staff', { staff: totals.staff }));
  return parts.length ? h('p', { class: 'muted apart' }, parts.join(t('apart.separator')), t('apart.end')) : null;
}

function unknownCell(r) {
  if (!r.groupsUnknownSize) return '';
  return h('span', { class: 'tag warn', title: t('apart.confirmed', { confirmed: r.confirmedUnknownSize }) }, r.groupsUnknownSize);
}

// ---- views ---------------------------------------------------------------------------------

async function viewPosts(main, params) {
  const q = new URLSearchParams({ page: params.get('page') || '1', pageSize: '20' });
  for (const k of ['from', 'to', 'source']) if (params.get(k)) q.set(k, params.get(k));
  const form = h('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const p = new URLSearchParams();
    for (const [k, v] of f) if (v) p.set(k, String(v));
    location.hash = `#/posts?${p}`;
  } },
  h('label', {}, t('filters.from'), h('input', { type: 'date', name: 'from', value: params.get('from') || '' })),
  h('label', {}, t('filters.to'), h('input', { type: 'date', name: 'to', value: params.get('to') || '' })),
  h('label', {}, t('posts.source'), h('input', { type: 'search', name: 'source', value: params.get('source') || '', placeholder: t('posts.source_example') })),
  h('button', { type: 'submit' }, t('posts.filter')));
  const data = await api(`/api/posts?${q}`);
  const rows = data.items.map((p) => h('tr', { class: 'clickable', 'data-code': p.code, onclick: () => { location.hash = `#/post/${p.code}`; } },
    h('td', {}, h('a', { href: `#/post/${p.code}`, class: 'code' }, p.code)),
    h('td', { class: 'title' }, p.title, p.urgent ? h('span', { class: 'tag warn' }, t('urgent')) : null),
    h('td', {}, p.source.name),
    h('td', {}, word('kind', p.kind)),
    h('td', {}, fmtTime(p.capturedAt)),
    h('td', { class: 'num' }, p.coverage.groups),
    h('td', { class: 'barcell' }, bar(p.coverage.pct, p.coverage.pct !== null && p.coverage.pct < 100)),
    h('td', { class: 'num' }, p.coverage.failed + p.coverage.unknown ? h('span', { class: 'tag bad' }, p.coverage.failed + p.coverage.unknown) : '0')));
  main.append(h('section', { class: 'card' }, h('h2', {}, t('posts.title')), form,
    table(list('posts.headers'), rows, { class: 'posts', empty: t('posts.empty') }),
    pager(data, (n) => { params.set('page', n); location.hash = `#/posts?${params}`; })));
}

async function viewPost(main, code, params) {
  const me = state.me;
  const county = params.get('county');
  const school = params.get('school');
  const by = school || me.role === 'school' ? 'group' : county || me.role === 'county' ? 'school' : 'county';
  const q = new URLSearchParams({ by });
  if (county) q.set('county', county);
  if (school) q.set('school', school);
  const dq = new URLSearchParams({ status: 'failed,unknown', pageSize: '100' });
  if (county) dq.set('county', county);
  if (school) dq.set('school', school);
  if (params.get('dAfter')) dq.set('after', params.get('dAfter'));
  if (params.get('dBefore')) dq.set('before', params.get('dBefore'));
  const [cov, dels] = await Promise.all([
    api(`/api/posts/${encodeURIComponent(code)}/coverage?${q}`),
    api(`/api/posts/${encodeURIComponent(code)}/deliveries?${dq}`),
  ]);
  const crumbs = [h('a', { href: `#/post/${code}` }, me.role === 'bureau' ? t('city') : me.unit.name)];
  if (county && params.get('countyName')) crumbs.push(' › ', h('a', { href: `#/post/${code}?county=${county}&countyName=${encodeURIComponent(params.get('countyName'))}` }, params.get('countyName')));
  if (school && params.get('schoolName')) crumbs.push(' › ', h('span', {}, params.get('schoolName')));
  const drill = (r) => {
    const p = new URLSearchParams(params);
    if (by === 'county') {
      if (r.id === null) return null;
      return `#/post/${code}?${new URLSearchParams({ county: r.id, countyName: r.name })}`;
    }
    if (by === 'school') {
      p.set('school', r.id);
      p.set('schoolName', r.name);
      return `#/post/${code}?${p}`;
    }
    return null;
  };
  const levelName = word('level', by);
  const rows = cov.rows.map((r) => {
    const href = drill(r);
    return h('tr', { class: `${r.below ? 'below' : ''}${href ? ' clickable' : ''}`, 'data-name': r.name, onclick: href ? () => { location.hash = href; } : null },
      h('td', {}, href ? h('a', { href }, r.name) : r.name, by === 'group' && r.className ? h('small', {}, ` ${r.className}`) : null, by === 'group' ? h('small', { class: 'muted' }, ` · ${r.unitName}`) : null),
      h('td', { class: 'num' }, by === 'group' ? '' : r.groups),
      h('td', { class: 'num' }, r.members),
      h('td', { class: 'num' }, r.confirmed),
      h('td', { class: 'barcell' }, bar(r.pct, r.below)),
      h('td', { class: 'num unknown-size' }, unknownCell(r)),
      h('td', { class: 'num staff' }, r.staff || ''),
      h('td', {}, r.below ? h('span', { class: 'tag bad' }, t('below')) : h('span', { class: 'tag ok' }, t('on_target'))));
  });
  const exportQ = new URLSearchParams(q);
  const scopeQ = new URLSearchParams();
  if (county) scopeQ.set('county', county);
  if (school) scopeQ.set('school', school);
  const delRows = dels.items.map((d) => h('tr', {},
    h('td', {}, h('span', { class: `tag ${d.status === 'failed' ? 'bad' : 'warn'}` }, word('state', d.status))),
    h('td', {}, d.group.topic), h('td', {}, d.group.unit.name), h('td', {}, d.account), h('td', {}, d.error || ''), h('td', {}, fmtTime(d.dueAt))));
  main.append(
    h('section', { class: 'card' },
      h('p', { class: 'crumbs' }, h('a', { href: '#/posts' }, t('nav.posts')), ' › ', cov.post.code),
      h('h2', {}, cov.post.title),
      h('p', { class: 'muted' }, `${cov.post.source.name} · ${word('kind', cov.post.kind)} · ${fmtTime(cov.post.capturedAt)}`),
      h('div', { class: 'totals' },
        h('div', {}, h('b', {}, cov.totals.groups), t('post.groups')),
        h('div', {}, h('b', {}, cov.totals.members), t('post.members')),
        h('div', {}, h('b', {}, cov.totals.confirmed), t('post.confirmed')),
        h('div', { class: 'wide' }, bar(cov.totals.pct, cov.totals.pct !== null && cov.totals.pct < cov.target))),
      apartNote(cov.totals),
      h('p', { class: 'crumbs' }, t('post.scope'), crumbs),
      h('div', { class: 'actions' },
        h('button', { type: 'button', id: 'dl-xlsx', onclick: () => download(`/api/posts/${code}/coverage/export?${exportQ}&format=xlsx`).catch(fail) }, t('post.excel')),
        h('button', { type: 'button', class: 'secondary', onclick: () => download(`/api/posts/${code}/coverage/export?${exportQ}&format=csv`).catch(fail) }, t('post.csv'))),
      table([levelName, ...list('post.headers'), t('target', { target: cov.target })], rows, { class: 'coverage', empty: t('post.empty') }),
      cov.rowsTotal > cov.rows.length ? pager({ page: cov.page, pageSize: cov.pageSize, total: cov.rowsTotal }, (n) => { params.set('page', n); location.hash = `#/post/${code}?${params}`; }) : null,
      cov.below.length ? h('p', { class: 'warn-text' }, t('post.below_list', { names: cov.below.map((r) => r.name).join(t('separator')) })) : null),
    h('section', { class: 'card' }, h('h3', {}, t('post.undelivered_title', { count: (dels.counts.failed || 0) + (dels.counts.unknown || 0) })),
      h('div', { class: 'actions' },
        h('button', { type: 'button', id: 'dl-deliveries', onclick: () => download(`/api/posts/${code}/deliveries/export?${scopeQ}&format=xlsx`).catch(fail) }, t('post.undelivered_excel')),
        h('button', { type: 'button', class: 'secondary', onclick: () => download(`/api/posts/${code}/deliveries/export?${scopeQ}&format=csv`).catch(fail) }, 'CSV'),
        h('span', { class: 'muted' }, ` ${t('post.undelivered_note', { skipped: dels.counts.skipped || 0 })}`)),
      table(list('post.undelivered_headers'), delRows, { class: 'deliveries', empty: t('post.undelivered_empty') }),
      dels.next || dels.prev ? cursorPager(dels, params, `#/post/${code}`, { after: 'dAfter', before: 'dBefore', at: 'dAt' }) : null));
}

/** ECharts (from npm, served by this server at /vendor/echarts.min.js), loaded on first use. */
let echartsLoading = null;
function loadEcharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  echartsLoading ??= new Promise((resolve, reject) => {
    const s = h('script', { src: '/vendor/echarts.min.js' });
    s.addEventListener('load', () => resolve(window.echarts));
    s.addEventListener('error', () => { echartsLoading = null; reject(new Error(t('status.charts_failed'))); });
    document.head.append(s);
  });
  return echartsLoading;
}

/** How many sub-unit lines are switched on at first (the worst ones); the legend shows the rest. */
const LINES_ON = 5;

/** A chart in `el`, resized with the window and disposed when the view is replaced. */
function chart(echarts, el, option) {
  const c = echarts.init(el, null, { renderer: 'canvas' });
  c.setOption(option);
  const onResize = () => {
    if (el.isConnected) return c.resize();
    window.removeEventListener('resize', onResize); // the view was replaced
    c.dispose();
  };
  window.addEventListener('resize', onResize);
  return c;
}

async function viewTrends(main, params) {
  const me = state.me;
  const by = params.get('by') === 'post' ? 'post' : 'day';
  const q = new URLSearchParams({ by });
  for (const k of ['from', 'to', 'county', 'school']) if (params.get(k)) q.set(k, params.get(k));
  const [data, echarts] = await Promise.all([api(`/api/coverage/timeline?${q}`), loadEcharts()]);
  const scopeName = params.get('name') || (me.role === 'bureau' ? t('city') : me.unit.name);
  const form = h('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const [k, v] of new FormData(e.target)) if (v) p.set(k, String(v));
    for (const k of ['county', 'school', 'name']) if (params.get(k)) p.set(k, params.get(k));
    location.hash = `#/trends?${p}`;
  } },
  h('label', {}, t('trends.axis'), h('select', { name: 'by' }, h('option', { value: 'day', selected: by === 'day' }, t('trends.by_day')), h('option', { value: 'post', selected: by === 'post' }, t('trends.by_post')))),
  h('label', {}, t('filters.from'), h('input', { type: 'date', name: 'from', value: params.get('from') || '' })),
  h('label', {}, t('filters.to'), h('input', { type: 'date', name: 'to', value: params.get('to') || '' })),
  h('button', { type: 'submit' }, t('filters.show')));
  const levelName = word('level', data.level);
  const drill = (s) => {
    if (s.id === null || data.level === 'group') return null;
    const p = new URLSearchParams({ by, name: s.name });
    for (const k of ['from', 'to']) if (params.get(k)) p.set(k, params.get(k));
    if (params.get('county')) p.set('county', params.get('county'));
    p.set(data.level === 'county' ? 'county' : 'school', s.id);
    return `#/trends?${p}`;
  };
  const lineEl = h('div', { id: 'chart-line', class: 'chart', 'data-points': data.points.length });
  const barEl = h('div', { id: 'chart-bars', class: 'chart bars', 'data-units': data.series.length });
  const rows = data.series.map((s) => {
    const href = drill(s);
    return h('tr', { class: `${s.below ? 'below' : ''}${href ? ' clickable' : ''}`, 'data-name': s.name, onclick: href ? () => { location.hash = href; } : null },
      h('td', {}, href ? h('a', { href }, s.name) : s.name),
      h('td', { class: 'num' }, s.total.deliveries), h('td', { class: 'num' }, s.total.members), h('td', { class: 'num' }, s.total.confirmed),
      h('td', { class: 'barcell' }, bar(s.total.pct, s.below)),
      h('td', { class: 'num unknown-size' }, unknownCell(s.total)), h('td', { class: 'num staff' }, s.total.staff || ''));
  });
  main.append(h('section', { class: 'card' },
    h('p', { class: 'crumbs' }, h('a', { href: `#/trends?by=${by}` }, me.role === 'bureau' ? t('city') : me.unit.name), params.get('name') ? [' › ', params.get('name')] : null),
    h('h2', {}, t('trends.title', { scope: scopeName })),
    h('p', { class: 'muted' }, t('trends.note', { by: by === 'day' ? t('trends.by_day_note') : t('trends.by_post_note'), from: fmtDay(data.window.from), to: fmtDay(new Date(new Date(data.window.to).getTime() - 1)), scope: scopeName, level: levelName, lines: LINES_ON })),
    form,
    data.points.length ? lineEl : h('p', { class: 'muted empty-chart' }, t('trends.no_line')),
    apartNote(data.total.total)),
  h('section', { class: 'card' },
    h('h3', {}, t('trends.units_title', { level: levelName, target: data.target })),
    data.series.length ? barEl : null,
    table([levelName, ...list('trends.headers')], rows, { class: 'trend-units', empty: t('trends.empty') })));
  // Charts are drawn once the view is in the page (a detached element has no size): route() calls this.
  return () => drawTrends(echarts, data, { by, scopeName, lineEl, barEl, drill });
}

function drawTrends(echarts, data, { by, scopeName, lineEl, barEl, drill }) {
  if (!data.points.length) return;
  const x = data.points.map((p) => (by === 'day' ? p.key.slice(5) : p.key));
  const pctOf = (v) => (v ? v.pct : null);
  const on = new Set(data.series.slice(0, LINES_ON).map((s) => s.name));
  chart(echarts, lineEl, {
    animation: false,
    tooltip: { trigger: 'axis', renderMode: 'richText', valueFormatter: (v) => (v === null || v === undefined ? '—' : `${v}%`) },
    legend: { type: 'scroll', top: 0, selected: Object.fromEntries(data.series.map((s) => [s.name, on.has(s.name)])) },
    grid: { left: 44, right: 16, top: 40, bottom: 40 },
    xAxis: { type: 'category', data: x, name: by === 'day' ? t('trends.x_day') : t('trends.x_post'), nameLocation: 'middle', nameGap: 26 },
    yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    series: [
      { name: t('trends.total', { scope: scopeName }), type: 'line', data: data.total.values.map(pctOf), connectNulls: true, lineStyle: { width: 4 }, symbolSize: 7, z: 3,
        markLine: { silent: true, symbol: 'none', lineStyle: { type: 'dashed', color: '#c8322c' }, label: { position: 'insideEndTop', formatter: t('target', { target: data.target }) }, data: [{ yAxis: data.target }] } },
      ...data.series.map((s) => ({ name: s.name, type: 'line', data: s.values, connectNulls: true, lineStyle: { width: 1.5 }, symbolSize: 4 })),
    ],
  });
  const worst = data.series.slice(0, 40); // worst first; the table lists every unit
  barEl.style.height = `${Math.max(160, worst.length * 26 + 60)}px`;
  const bars = chart(echarts, barEl, {
    animation: false,
    tooltip: { trigger: 'item', renderMode: 'richText', valueFormatter: (v) => (v === null || v === undefined ? '—' : `${v}%`) },
    grid: { left: 8, right: 40, top: 10, bottom: 24, containLabel: true },
    xAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    yAxis: { type: 'category', inverse: true, data: worst.map((s) => s.name) },
    series: [{
      name: t('trends.coverage'), type: 'bar', barMaxWidth: 18, label: { show: true, position: 'right', formatter: (p) => (p.value === null ? '—' : `${p.value}%`) },
      data: worst.map((s) => ({ value: s.total.pct, itemStyle: { color: s.below ? '#c8322c' : '#1f8a4c' } })),
      markLine: { silent: true, symbol: 'none', lineStyle: { type: 'dashed', color: '#c8322c' }, label: { show: false }, data: [{ xAxis: data.target }] },
    }],
  });
  bars.on('click', (e) => {
    const href = drill(worst[e.dataIndex]);
    if (href) location.hash = href;
  });
}

const fmtDay = (at) => new Date(at).toLocaleDateString('zh-CN', { timeZone: state.me?.timeZone });

async function viewGroups(main, params) {
  const q = new URLSearchParams({ pageSize: '50' });
  for (const k of ['status', 'q', 'after', 'before']) if (params.get(k)) q.set(k, params.get(k));
  const data = await api(`/api/groups?${q}`);
  const search = params.get('q') ? `&q=${encodeURIComponent(params.get('q'))}` : '';
  const chips = h('div', { class: 'chips' }, h('a', { href: `#/groups?${search.slice(1)}`, class: params.get('status') ? '' : 'on' }, t('groups.all')),
    Object.entries(data.counts).map(([s, n]) => h('a', { href: `#/groups?status=${s}${search}`, class: params.get('status') === s ? 'on' : '' }, `${word('state', s)} ${n}`)));
  const form = h('form', { class: 'filters search', onsubmit: (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    if (params.get('status')) p.set('status', params.get('status'));
    const text = String(new FormData(e.target).get('q') || '').trim();
    if (text) p.set('q', text);
    location.hash = `#/groups?${p}`;
  } },
  h('label', {}, t('groups.search_label'), h('input', { type: 'search', name: 'q', value: params.get('q') || '', placeholder: t('groups.search_example'), maxlength: '100' })),
  h('button', { type: 'submit' }, t('groups.search')));
  const rows = data.items.map((g) => h('tr', { class: g.status === 'active' ? '' : 'below' },
    h('td', {}, g.topic, g.className ? h('small', {}, ` ${g.className}`) : null),
    h('td', {}, word('kind', g.kind)), h('td', {}, g.unit.name),
    h('td', {}, h('span', { class: `tag ${g.status === 'active' ? 'ok' : 'warn'}` }, word('state', g.status)), g.statusReason ? h('small', {}, ` ${g.statusReason}`) : null),
    h('td', { class: 'num' }, g.memberCount), h('td', {}, g.autoForward ? t('groups.auto') : t('groups.manual')), h('td', {}, g.account),
    state.me.role === 'school' ? h('td', {}, g.registeredBy || '') : null));
  const headers = [...list('groups.headers')];
  if (state.me.role === 'school') headers.push(t('groups.registered_by'));
  main.append(h('section', { class: 'card' }, h('h2', {}, t('groups.title')), chips, form,
    table(headers, rows, { class: 'groups', empty: params.get('q') ? t('groups.none_found') : t('groups.empty') }),
    cursorPager(data, params, '#/groups')));
}

function accountLine(a) {
  const params = { wechat: a.loginName, sent: a.sentToday, heartbeat: fmtTime(a.heartbeatAt) };
  return a.loginName ? t('accounts.line_logged_in', params) : t('accounts.line', params);
}

/** How often the accounts view reloads itself. */
const REFRESH_SECONDS = 5;

async function viewAccounts(main) {
  const data = await api('/api/accounts');
  const cards = data.items.map((a) => h('div', { class: `account ${a.loginState}`, 'data-name': a.name },
    h('h3', {}, a.name, ' ', h('span', { class: `tag ${a.loginState === 'logged_in' ? 'ok' : a.loginState === 'waiting_scan' ? 'warn' : 'bad'}` }, word('login', a.loginState))),
    h('p', { class: 'muted' }, accountLine(a)),
    a.throttle.throttled ? h('p', { class: 'warn-text' }, t('accounts.throttled', { until: fmtTime(a.throttle.until), level: a.throttle.level })) : h('p', {}, t('accounts.sending_ok')),
    a.qr ? qrBlock(a.qr) : null));
  main.append(h('section', { class: 'card' }, h('h2', {}, t('accounts.title')), h('p', { class: 'muted' }, t('accounts.refresh', { seconds: REFRESH_SECONDS })), h('div', { class: 'accounts' }, cards.length ? cards : h('p', {}, t('accounts.empty')))));
  state.timer = setTimeout(() => route(), REFRESH_SECONDS * 1000);
}

function qrBlock(qr) {
  const box = h('div', { class: 'qr' });
  // The SVG is generated by the server from the login URL (qrcode package), not taken from input.
  box.innerHTML = qr.svg;
  return h('div', {}, h('p', {}, t('accounts.scan')), box);
}

async function viewReports(main, params) {
  const q = new URLSearchParams({ page: params.get('page') || '1', pageSize: '50' });
  const data = await api(`/api/reports?${q}`);
  const rows = data.items.map((r) => h('tr', { 'data-id': r.id },
    h('td', {}, r.period), h('td', {}, word('report_kind', r.kind)), h('td', {}, r.unit.name), h('td', { class: 'barcell' }, bar(r.pct, r.pct !== null && r.pct < 100)),
    h('td', {}, fmtTime(r.generatedAt)),
    h('td', {}, h('button', { type: 'button', class: 'small', onclick: () => download(`/api/reports/${r.id}/export?format=xlsx`).catch(fail) }, 'Excel'), ' ',
      h('button', { type: 'button', class: 'small secondary', onclick: () => download(`/api/reports/${r.id}/export?format=csv`).catch(fail) }, 'CSV'), ' ',
      h('button', { type: 'button', class: 'small', 'data-docx': r.id, onclick: () => download(`/api/reports/${r.id}/docx`).catch(fail) }, t('reports.docx')))));
  main.append(h('section', { class: 'card' }, h('h2', {}, t('reports.title')),
    h('p', { class: 'muted' }, t('reports.schedule')),
    table(list('reports.headers'), rows, { empty: t('reports.empty') }),
    pager(data, (n) => { params.set('page', n); location.hash = `#/reports?${params}`; })));
}

/** A picture fetched with the token (never in the URL) and shown from a blob URL. */
function thumb(m) {
  const img = h('img', { alt: t('activities.photo'), class: 'thumb', loading: 'lazy' });
  api(m.url, { raw: true }).then((r) => r.blob()).then((b) => { img.src = URL.createObjectURL(b); }).catch(() => img.remove());
  return img;
}

async function viewActivities(main, params) {
  const q = new URLSearchParams({ page: params.get('page') || '1', pageSize: '20' });
  if (params.get('month')) q.set('month', params.get('month'));
  const data = await api(`/api/activities?${q}`);
  const form = h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); location.hash = `#/activities?month=${new FormData(e.target).get('month')}`; } },
    h('label', {}, t('activities.month'), h('input', { name: 'month', type: 'month', value: data.month })), h('button', { type: 'submit' }, t('filters.show')));
  const items = data.items.map((a) => h('article', { class: 'activity', 'data-id': a.id },
    h('h3', {}, a.caption),
    h('p', { class: 'muted' }, t('activities.line', { unit: a.unit.name, at: fmtTime(a.at), photos: a.media.filter((m) => m.kind === 'image').length, videos: a.media.filter((m) => m.kind === 'video').length })),
    h('div', { class: 'thumbs' }, a.media.map((m) => (m.kind === 'image' ? thumb(m)
      : h('button', { type: 'button', class: 'small secondary', onclick: () => download(m.url).catch(fail) }, t('activities.video', { mb: (m.bytes / 1048576).toFixed(1) })))))));
  main.append(h('section', { class: 'card' }, h('h2', {}, t('activities.title')),
    h('p', { class: 'muted' }, t('activities.help')),
    form, items.length ? items : h('p', { class: 'muted' }, t('activities.empty')),
    pager(data, (n) => { params.set('page', n); location.hash = `#/activities?${params}`; })));
}

async function viewFigures(main) {
  const data = await api('/api/figures');
  const msg = h('p', { class: 'status', role: 'status' });
  const form = h('form', { class: 'filters', onsubmit: async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    try {
      await api('/api/figures', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ period: String(f.get('period')).trim(), cases: Number(f.get('cases')), lossesYuan: Number(f.get('lossesYuan')) }) });
      await route();
      status(t('status.saved'));
    } catch (err) {
      msg.textContent = err.message;
      msg.className = 'status error';
    }
  } },
  h('label', {}, t('figures.period'), h('input', { name: 'period', required: true, placeholder: '2026-11 / 2026-H1 / 2026' })),
  h('label', {}, t('figures.cases'), h('input', { name: 'cases', type: 'number', min: '0', step: '1', required: true })),
  h('label', {}, t('figures.losses'), h('input', { name: 'lossesYuan', type: 'number', min: '0', step: '0.01', required: true })),
  h('button', { type: 'submit' }, t('figures.save')));
  const rows = data.items.map((f) => h('tr', {}, h('td', {}, f.period), h('td', {}, f.unit.name), h('td', { class: 'num' }, f.cases), h('td', { class: 'num' }, f.lossesYuan.toFixed(2)), h('td', {}, fmtTime(f.at))));
  main.append(h('section', { class: 'card' }, h('h2', {}, t('figures.title', { unit: state.me.unit.name })), form, msg, table(list('figures.headers'), rows, { empty: t('figures.empty') })));
}

// ---- shell ---------------------------------------------------------------------------------

function fail(err) {
  if (err instanceof ApiFailure && err.status === 401) return;
  status(err.message || String(err), true);
}

async function route() {
  clearTimeout(state.timer);
  if (!state.me) return;
  const { parts, params } = parseHash();
  const view = parts[0] || 'posts';
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('on', a.dataset.view === (view === 'post' ? 'posts' : view));
  const main = $('#main');
  const fresh = h('div', { class: 'view', 'data-view': view });
  status(t('status.loading'));
  let mounted = null; // what a view draws once it is in the page
  try {
    if (view === 'post' && parts[1]) await viewPost(fresh, parts[1], params);
    else if (view === 'groups') await viewGroups(fresh, params);
    else if (view === 'trends') mounted = await viewTrends(fresh, params);
    else if (view === 'accounts') await viewAccounts(fresh);
    else if (view === 'reports') await viewReports(fresh, params);
    else if (view === 'figures') await viewFigures(fresh);
    else if (view === 'activities') await viewActivities(fresh, params);
    else await viewPosts(fresh, params);
    main.replaceChildren(fresh);
    mounted?.();
    status('');
  } catch (err) {
    fail(err);
  }
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.me = null;
  $('#main').replaceChildren();
  $('#nav').hidden = true;
  $('#who').hidden = true;
  $('#signin').hidden = false;
  $('#signin-error').textContent = message || '';
}

async function signIn() {
  try {
    state.me = await api('/api/me');
  } catch (err) {
    if (!(err instanceof ApiFailure && err.status === 401)) $('#signin-error').textContent = err.message;
    return;
  }
  $('#signin').hidden = true;
  $('#who').hidden = false;
  $('#who-name').textContent = t('who', { unit: state.me.unit.name, role: word('role', state.me.role) });
  for (const a of document.querySelectorAll('#nav a[data-roles]')) a.hidden = !a.dataset.roles.split(',').includes(state.me.role);
  $('#nav').hidden = false;
  route();
}

document.addEventListener('DOMContentLoaded', () => {
  $('#signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('#token').value.trim());
    $('#token').value = '';
    signIn();
  });
  $('#signout').addEventListener('click', () => signOut());
  window.addEventListener('hashchange', route);
  if (sessionStorage.getItem(TOKEN_KEY)) signIn();
  else signOut();
});
