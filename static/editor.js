// The week page's script. Plain browser JavaScript, no build step; the page works without it
// through its forms. What it adds: text saves as the editor types (and is never lost: kept in
// this browser until the server has it), a conflict shows both texts, and items move by keyboard.
/* global document, window, localStorage, fetch, setTimeout, clearTimeout, setInterval, CSS */
'use strict';

(() => {
  const main = document.getElementById('main');
  const textForm = document.querySelector('form.issue-text');
  if (!main || !textForm) return;

  const week = main.dataset.week;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
  let version = Number(main.dataset.version);
  const DEBOUNCE_MS = 600;
  const RETRY_MS = 5000;
  const LOCAL = `ssnews:draft:${week}:`;
  const globalState = document.getElementById('save-state');

  // ---- text fields: subject, intro, a commentary per item ------------------------------

  /** field key ("subject", "intro", "comment:ID") → what we know of it. */
  const fields = new Map();
  /** Structural changes waiting to be sent, in order: { op, done? }. */
  const queue = [];
  let lastProblem = '';
  /** The send loop while it runs; `again` asks for another pass when it ends. */
  let running = null;
  let again = false;

  /** Same text as the server keeps it: trimmed; a subject also on one line. Line breaks in commentary matter. */
  const norm = (key, text) => (key === 'subject' ? text.trim().replace(/\s+/g, ' ') : text.trim());
  const same = (key, a, b) => norm(key, a) === norm(key, b);

  function fieldText(state, key) {
    if (key === 'subject') return state.subject;
    if (key === 'intro') return state.intro;
    return state.comments[key.slice('comment:'.length)] ?? '';
  }

  function opOf(field) {
    const text = field.el.value;
    if (field.key === 'subject') return { op: 'subject', text };
    if (field.key === 'intro') return { op: 'intro', text };
    const itemId = field.key.slice('comment:'.length);
    return { op: 'comment', itemId, text, noComment: Boolean(field.noComment?.checked) };
  }

  function setState(field, text, kind) {
    if (!field.stateEl) return;
    field.stateEl.textContent = text;
    field.stateEl.dataset.kind = kind;
  }

  function showGlobal() {
    const all = [...fields.values()];
    let text = 'All changes saved';
    let kind = 'saved';
    if (all.some((f) => f.conflict)) {
      text = 'Not saved: someone else changed a text you are editing; choose which to keep';
      kind = 'error';
    } else if (lastProblem) {
      text = `Not saved: ${lastProblem}`;
      kind = 'error';
    } else if (running || queue.length || all.some((f) => f.dirty)) {
      text = 'Saving…';
      kind = 'saving';
    }
    globalState.textContent = text;
    globalState.dataset.kind = kind;
  }

  const local = {
    save(field) {
      try {
        localStorage.setItem(LOCAL + field.key, JSON.stringify({ text: field.el.value, base: field.base }));
      } catch {
        // Storage full or disabled: the server copy is all we have.
      }
    },
    load(key) {
      try {
        return JSON.parse(localStorage.getItem(LOCAL + key) ?? 'null');
      } catch {
        return null;
      }
    },
    clear(key) {
      try {
        localStorage.removeItem(LOCAL + key);
      } catch {
        // nothing kept
      }
    },
  };

  function edited(field) {
    field.dirty = true;
    field.edits += 1;
    field.error = '';
    local.save(field);
    if (field.conflict) field.conflict.querySelector('.yours').textContent = field.el.value;
    else setState(field, 'Saving…', 'saving');
    // Sent once the editor pauses; the Save button sends at once.
    clearTimeout(field.timer);
    field.waiting = true;
    field.timer = setTimeout(() => {
      field.waiting = false;
      void flush();
    }, DEBOUNCE_MS);
    showGlobal();
  }

  /** Sends everything now (the Save buttons, and before leaving the page). */
  function flushAll() {
    for (const f of fields.values()) {
      clearTimeout(f.timer);
      f.waiting = false;
    }
    return flush();
  }

  for (const el of document.querySelectorAll('[data-field]')) {
    const key = el.dataset.field;
    const field = {
      key,
      el,
      base: el.value,
      dirty: false,
      edits: 0,
      waiting: false,
      error: '',
      conflict: null,
      timer: 0,
      stateEl: document.querySelector(`[data-state-for="${CSS.escape(key)}"]`),
    };
    fields.set(key, field);
    el.addEventListener('input', () => edited(field));
    // "No comment" is part of the commentary: saved with its text.
    field.noComment = el.closest('li.item')?.querySelector('input[name="noComment"]') ?? null;
    field.noComment?.addEventListener('change', () => {
      edited(field);
      field.waiting = false;
      void flush();
    });
    // Text typed before a reload or while the server was unreachable, not yet saved.
    const kept = local.load(key);
    if (kept && typeof kept.text === 'string') {
      if (same(key, kept.text, el.value)) local.clear(key);
      else if (same(key, kept.base ?? '', el.value)) {
        el.value = kept.text;
        edited(field);
      } else {
        el.value = kept.text;
        field.dirty = true;
        showConflict(field, field.base);
      }
    }
  }

  /** Someone else saved `theirs` while this editor was changing the field: show both, let them choose. */
  function showConflict(field, theirs) {
    field.theirs = theirs;
    if (!field.conflict) {
      const box = document.createElement('div');
      box.className = 'conflict';
      box.setAttribute('role', 'alert');
      box.innerHTML =
        '<p>Someone else saved a different text here while you were writing. Nothing has been overwritten: choose which to keep.</p>' +
        '<p class="label">Theirs (saved now):</p><pre class="theirs"></pre>' +
        '<p class="label">Yours (not saved):</p><pre class="yours"></pre>' +
        '<p class="choices"><button type="button" class="keep-mine">Keep mine</button> ' +
        '<button type="button" class="use-theirs">Use theirs</button></p>';
      box.querySelector('.keep-mine').addEventListener('click', () => {
        field.base = field.theirs;
        closeConflict(field);
        edited(field);
        field.el.focus();
      });
      box.querySelector('.use-theirs').addEventListener('click', () => {
        field.el.value = field.theirs;
        field.base = field.theirs;
        field.dirty = false;
        local.clear(field.key);
        closeConflict(field);
        setState(field, 'Saved', 'saved');
        showGlobal();
        field.el.focus();
      });
      field.el.insertAdjacentElement('afterend', box);
      field.conflict = box;
    }
    field.conflict.querySelector('.theirs').textContent = theirs;
    field.conflict.querySelector('.yours').textContent = field.el.value;
    setState(field, 'Not saved: conflict', 'error');
    showGlobal();
  }

  function closeConflict(field) {
    field.conflict?.remove();
    field.conflict = null;
  }

  // ---- sending: one change at a time, each against the version the page last saw ----------

  function flush() {
    if (running) {
      again = true;
      return running;
    }
    running = send().finally(() => {
      running = null;
      showGlobal();
      if (again) {
        again = false;
        void flush();
      }
    });
    showGlobal();
    return running;
  }

  /** The next thing to send: structural changes first, then texts. */
  function next() {
    if (queue.length) return { op: queue[0].op, entry: queue[0] };
    for (const field of fields.values())
      if (field.dirty && !field.waiting && !field.conflict && !field.error)
        return { op: opOf(field), field, text: field.el.value, edits: field.edits };
    return null;
  }

  async function send() {
    let conflicts = 0;
    for (let unit = next(); unit; unit = next()) {
      let res;
      try {
        res = await fetch(`/editor/api/${encodeURIComponent(week)}/ops`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
          body: JSON.stringify({ version, ops: [unit.op] }),
        });
      } catch {
        unreachable(
          'the server cannot be reached; your text is kept in this browser and saved when it is back',
        );
        return;
      }
      const body = await res.json().catch(() => ({}));
      if (res.ok) {
        lastProblem = '';
        conflicts = 0;
        version = body.version;
        if (unit.entry) {
          queue.shift();
          unit.entry.done?.();
        }
        if (unit.field) {
          const f = unit.field;
          f.base = fieldText(body.state, f.key);
          // Saved, unless the editor changed it again meanwhile.
          if (f.edits === unit.edits) {
            f.dirty = false;
            local.clear(f.key);
            setState(f, 'Saved', 'saved');
          }
        }
        applyState(body.state);
      } else if (res.status === 409 && body.state) {
        version = body.version;
        if (unit.field) {
          const f = unit.field;
          const theirs = fieldText(body.state, f.key);
          // Nobody else changed this field (or they wrote the same): retry on the new version.
          if (same(f.key, theirs, f.base) || same(f.key, theirs, unit.text)) f.base = theirs;
          else showConflict(f, theirs);
        }
        applyState(body.state);
        if (++conflicts > 5) return;
      } else if (res.status === 401 || res.status === 403) {
        unreachable(
          'you are signed out (or the page is too old); sign in again in another tab: your text is kept in this browser',
        );
        return;
      } else {
        const message = body.message || `the server answered ${res.status}`;
        lastProblem = message;
        if (unit.entry) queue.shift();
        if (unit.field) {
          unit.field.error = message;
          setState(unit.field, `Not saved: ${message}`, 'error');
        }
        if (res.status >= 500) {
          // The server's trouble, not the text's: try again later.
          if (unit.field) unit.field.error = '';
          retryLater();
          return;
        }
      }
    }
  }

  function unreachable(message) {
    lastProblem = message;
    for (const f of fields.values())
      if (f.dirty && !f.conflict) setState(f, 'Not saved: kept in this browser', 'error');
    retryLater();
  }

  let retryTimer = 0;
  function retryLater() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, RETRY_MS);
  }
  window.addEventListener('online', () => void flush());

  // ---- keeping the page in step with the draft -------------------------------------------

  const includedCount = document.getElementById('included-count');

  // The sector selects' options carry headings (the page is smaller so): map them to ids.
  const sectorIds = new Map();
  const headings = new Map();
  for (const section of document.querySelectorAll('section.sector')) {
    const heading = section.querySelector('h2')?.textContent ?? '';
    sectorIds.set(heading, section.dataset.sector);
    headings.set(section.dataset.sector, heading);
  }

  function applyState(state) {
    for (const field of fields.values()) {
      if (field.dirty || field.conflict) continue;
      const theirs = fieldText(state, field.key);
      field.base = theirs;
      if (!same(field.key, field.el.value, theirs)) field.el.value = theirs;
    }
    const active = document.activeElement;
    const selection = active?.matches?.('textarea, input[type="text"], input:not([type])')
      ? [active.selectionStart, active.selectionEnd]
      : null;
    for (const entry of state.entries) {
      const li = document.getElementById(`item-${entry.itemId}`);
      if (!li) continue;
      const comment = fields.get(`comment:${entry.itemId}`);
      if (comment?.noComment && !comment.dirty && !comment.conflict)
        comment.noComment.checked = state.noComment.includes(entry.itemId);
      li.dataset.included = entry.included ? '1' : '';
      li.dataset.sector = entry.sector;
      const box = li.querySelector('input[name="included"]');
      if (box) box.checked = entry.included;
      const select = li.querySelector('select[name="sector"]');
      if (select && document.activeElement !== select)
        select.value = headings.get(entry.sector) ?? entry.sector;
    }
    for (const section of document.querySelectorAll('section.sector')) {
      const sector = section.dataset.sector;
      const lists = {
        included: section.querySelector('[data-list="included"]'),
        excluded: section.querySelector('[data-list="excluded"]'),
        low: section.querySelector('[data-list="low"]'),
      };
      const wanted = { included: [], excluded: [], low: [] };
      for (const entry of state.entries) {
        if (entry.sector !== sector) continue;
        const li = document.getElementById(`item-${entry.itemId}`);
        if (!li) continue;
        wanted[entry.included ? 'included' : li.dataset.low ? 'low' : 'excluded'].push(li);
      }
      for (const name of Object.keys(lists)) {
        const list = lists[name];
        wanted[name].forEach((li, i) => {
          if (list.children[i] !== li) list.insertBefore(li, list.children[i] ?? null);
        });
      }
      const summary = section.querySelector('details.low > summary');
      if (summary) summary.textContent = `${wanted.low.length} more`;
    }
    if (includedCount) includedCount.textContent = String(state.entries.filter((e) => e.included).length);
    // Moving an element takes focus from it: give it back, caret and all.
    if (active && active !== document.body && document.activeElement !== active) {
      active.focus({ preventScroll: false });
      if (selection) active.setSelectionRange(selection[0], selection[1]);
      active.scrollIntoView({ block: 'nearest' });
    }
  }

  function change(op, done) {
    queue.push({ op, done });
    void flush();
  }

  // ---- the controls ------------------------------------------------------------------------

  textForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void flushAll();
  });

  for (const form of document.querySelectorAll('form.item-form')) {
    const li = form.closest('li.item');
    const itemId = li.dataset.id;
    form.querySelector('input[name="included"]').addEventListener('change', (e) => {
      change({ op: 'include', itemId, included: e.target.checked });
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const action = e.submitter?.value ?? 'save';
      if (action === 'up' || action === 'down') change({ op: 'step', itemId, by: action === 'up' ? -1 : 1 });
      else if (action === 'move')
        change({
          op: 'move',
          itemId,
          sector: sectorIds.get(form.querySelector('select[name="sector"]').value),
        });
      else if (action === 'not-relevant')
        change({ op: 'not-relevant', itemId }, () => {
          li.dataset.low = '1';
        });
      else void flushAll();
    });
  }

  // Alt+ArrowUp / Alt+ArrowDown on a focused item (or one of its buttons) moves it; focus stays on it.
  document.addEventListener('keydown', (e) => {
    if (!e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
    const target = e.target;
    const li = target.closest?.('li.item');
    if (!li || target.matches('textarea, input:not([type="checkbox"]), select')) return;
    e.preventDefault();
    change({ op: 'step', itemId: li.dataset.id, by: e.key === 'ArrowUp' ? -1 : 1 });
  });

  // Forms that leave the page (draft, add by URL) first save what is typed.
  for (const form of document.querySelectorAll('form[data-plain]')) {
    form.addEventListener('submit', async (e) => {
      if (!running && !queue.length && ![...fields.values()].some((f) => f.dirty && !f.conflict)) return;
      e.preventDefault();
      await flushAll();
      await running;
      form.submit();
    });
  }

  setInterval(() => {
    if (!running && (queue.length || [...fields.values()].some((f) => f.dirty && !f.conflict && !f.error)))
      void flush();
  }, RETRY_MS);
  showGlobal();
})();
