// The terminal pages (/containers/{id}/terminal and /terminal-sessions/{id}):
// xterm.js on the panel's /api/v1/terminal WebSocket (docs/web.md).
//
// The flow: ask the JSON API for a ticket (with the session's CSRF token),
// open the socket, send {"type":"auth","ticket","cols","rows"} as its first
// message; then keystrokes go out and output comes in as binary frames, and
// JSON text frames carry control messages (resize out; attached, size, mode,
// participants, exit in). The close code and reason end up in the status line;
// Reconnect runs the flow again. A private terminal is taken back after a
// reload: its session id (from `attached`) is kept in sessionStorage per
// container and mode, and sent with the next ticket request.
'use strict';

(function () {
  // ---- The strict CSP and xterm.js -------------------------------------
  // This page's answer allows styles from the panel and styles carrying a
  // nonce made fresh for that answer (style-src 'self' 'nonce-…'; no
  // 'unsafe-inline'). xterm.js's DOM renderer creates <style> elements (cell
  // sizes, theme colours), which CSP would refuse. So every <style> element
  // created on this page gets the nonce at creation, before it is inserted;
  // this runs before xterm.js creates anything (it only defines classes
  // when it loads). The nonce comes from this <script> element's `nonce`
  // property: the browser empties the attribute once the element is in the
  // document ("nonce hiding"), so neither CSS selectors nor code reading
  // attributes can learn it, and it never appears anywhere else.
  const nonce = document.currentScript ? document.currentScript.nonce : '';
  const createElement = document.createElement;
  document.createElement = function (name, options) {
    const element = createElement.call(this, name, options);
    if (nonce && String(name).toLowerCase() === 'style') {
      element.nonce = nonce;
    }
    return element;
  };
  // xterm.js writes the colours of 24-bit ("truecolor") output with
  // setAttribute('style', …): CSP refuses that as an inline style attribute,
  // nonce or not. The same declarations set through the CSSOM
  // (element.style) are not inline markup, and CSP allows them.
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (String(name).toLowerCase() === 'style' && this instanceof HTMLElement) {
      this.style.cssText = String(value);
      return;
    }
    setAttribute.call(this, name, value);
  };

  // ---- The page ----------------------------------------------------------
  const element = document.getElementById('terminal');
  if (!element || typeof Terminal === 'undefined' || typeof FitAddon === 'undefined') {
    return;
  }
  const statusLine = document.getElementById('terminal-status');
  const modeBadge = document.getElementById('terminal-mode');
  const container = element.dataset.container; // a container's own terminal
  const shared = element.dataset.session; // a shared session's page
  const kind = element.dataset.kind === 'console' ? 'console' : 'shell';
  const manages = element.dataset.owner === 'true'; // the shared session is hers
  const storageKey = container ? 'smp-terminal:' + container + ':' + kind : null;
  // The session's CSRF token, which htmx sends from <body hx-headers>.
  let csrf = '';
  try {
    csrf = JSON.parse(document.body.getAttribute('hx-headers') || '{}')['X-CSRF-Token'] || '';
  } catch (_) {
    csrf = '';
  }

  const term = new Terminal({
    cursorBlink: true,
    scrollback: 5000,
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace',
    fontSize: 14,
  });
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(element);
  const encoder = new TextEncoder();

  let socket = null;
  let attempt = 0;
  // Only the owner's size drives the PTY; everyone else follows it ({"type":"size"}).
  let owner = !shared || manages;
  let exitCode = null;

  // What the page says, in its language (terminal_texts.html): `%name`
  // placeholders are filled from `values`.
  const texts = document.getElementById('terminal-texts').dataset;
  function tr(name, values) {
    let text = texts[name] || name;
    for (const key in values || {}) {
      text = text.split('%' + key).join(String(values[key]));
    }
    return text;
  }

  function status(text, closed) {
    statusLine.textContent = text;
    statusLine.classList.toggle('closed', Boolean(closed));
  }

  function say(text) {
    const line = document.getElementById('session-message');
    if (line) {
      line.textContent = text;
    }
  }

  function send(data) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(data);
    }
  }

  function sendSize() {
    if (owner) {
      send(JSON.stringify({ type: 'resize', cols: term.cols, rows: term.rows }));
    }
  }

  // Fits the terminal to its box (the window less the bars); a changed size
  // is sent as {"type":"resize"} (term.onResize).
  function fitToBox() {
    if (!owner) {
      return;
    }
    try {
      fit.fit();
    } catch (_) {
      // A box with no size yet (hidden): the next resize fits it.
    }
  }

  term.onResize(sendSize);
  term.onData(function (data) {
    send(encoder.encode(data));
  });
  term.onBinary(function (data) {
    const bytes = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i += 1) {
      bytes[i] = data.charCodeAt(i) & 255;
    }
    send(bytes);
  });
  let fitting = 0;
  new ResizeObserver(function () {
    cancelAnimationFrame(fitting);
    fitting = requestAnimationFrame(fitToBox);
  }).observe(element);

  // ---- The JSON API --------------------------------------------------------
  async function api(method, path, body) {
    const headers = { 'X-CSRF-Token': csrf };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    const response = await fetch('/api/v1' + path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
    if (response.status === 401) {
      window.location.assign('/login');
    }
    let answer = null;
    try {
      answer = await response.json();
    } catch (_) {
      answer = null; // 204: no body
    }
    return { status: response.status, answer: answer };
  }

  function problem(result) {
    const error = result.answer && result.answer.error;
    return error && error.message ? error.message : 'the panel answered ' + result.status;
  }

  async function ticketFor(body) {
    const result = await api('POST', '/containers/' + container + '/terminal', body);
    return result;
  }

  // A ticket: for the shared session, or for this container's terminal (the
  // one kept from before a reload if it is still open, else a new one).
  async function ticket() {
    if (shared) {
      const result = await api('POST', '/terminal-sessions/' + shared + '/ticket');
      if (result.status !== 200) {
        throw new Error(problem(result));
      }
      return result.answer.ticket;
    }
    const kept = sessionStorage.getItem(storageKey);
    if (kept) {
      const result = await ticketFor({ mode: kind, session: kept });
      if (result.status === 200) {
        return result.answer.ticket;
      }
      if (result.status !== 404) {
        throw new Error(problem(result));
      }
      sessionStorage.removeItem(storageKey); // it ended meanwhile: a new one
    }
    const result = await ticketFor({ mode: kind });
    if (result.status !== 200) {
      throw new Error(problem(result));
    }
    return result.answer.ticket;
  }

  // ---- The socket ----------------------------------------------------------
  const MEANINGS = {
    1000: 'ended',
    1006: 'lost',
    1008: 'refused',
    1009: 'tooLarge',
  };

  function closedText(event) {
    const reason = event.reason || tr(MEANINGS[event.code] || 'connectionEnded');
    const exited = exitCode === null ? '' : ' ' + tr('exitCode', { code: exitCode });
    return tr('closed', { code: event.code, reason: reason, exited: exited });
  }

  function showMode(readOnly) {
    if (modeBadge) {
      modeBadge.hidden = !readOnly;
    }
  }

  function control(message) {
    switch (message.type) {
      case 'attached':
        owner = Boolean(message.owner);
        showMode(message.mode === 'read');
        if (storageKey && message.owner) {
          sessionStorage.setItem(storageKey, message.session);
        }
        status(tr(message.mode === 'read' ? 'connectedReadOnly' : 'connected'));
        fitToBox();
        sendSize();
        term.focus();
        break;
      case 'size':
        if (!owner && message.cols > 0 && message.rows > 0) {
          term.resize(message.cols, message.rows);
        }
        break;
      case 'mode':
        showMode(message.mode === 'read');
        status(tr(message.mode === 'read' ? 'connectedReadOnly' : 'connected'));
        break;
      case 'participants':
        renderParticipants(Array.isArray(message.items) ? message.items : []);
        break;
      case 'exit':
        exitCode = message.code;
        break;
      default:
        break;
    }
  }

  async function connect() {
    attempt += 1;
    const mine = attempt;
    if (socket) {
      const old = socket;
      socket = null;
      old.close(1000, 'reconnecting');
    }
    exitCode = null;
    term.reset();
    status(tr('asking'));
    let secret;
    try {
      secret = await ticket();
    } catch (error) {
      if (mine === attempt) {
        status(tr('cannotOpen', { reason: error.message }), true);
      }
      return;
    }
    if (mine !== attempt) {
      return;
    }
    fitToBox();
    const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(scheme + '//' + window.location.host + '/api/v1/terminal');
    ws.binaryType = 'arraybuffer';
    socket = ws;
    status(tr('connecting'));
    ws.onopen = function () {
      ws.send(JSON.stringify({ type: 'auth', ticket: secret, cols: term.cols, rows: term.rows }));
      secret = null;
    };
    ws.onmessage = function (event) {
      if (typeof event.data !== 'string') {
        term.write(new Uint8Array(event.data));
        return;
      }
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (_) {
        return;
      }
      control(message);
    };
    ws.onclose = function (event) {
      if (socket !== ws) {
        return;
      }
      socket = null;
      status(closedText(event), true);
    };
  }

  document.getElementById('terminal-reconnect').addEventListener('click', connect);

  // ---- A shared session: who is in it, and the owner's controls ------------
  function button(text, label, onClick) {
    const control = document.createElement('button');
    control.type = 'button';
    control.textContent = text;
    control.setAttribute('aria-label', label);
    control.addEventListener('click', onClick);
    return control;
  }

  function span(className, text) {
    const part = document.createElement('span');
    part.className = className;
    part.textContent = text;
    return part;
  }

  // The list from a {"type":"participants"} message, as text (never markup).
  function renderParticipants(items) {
    const list = document.getElementById('participants');
    if (!list) {
      return;
    }
    const rows = items.map(function (participant) {
      const row = document.createElement('li');
      row.dataset.username = participant.username;
      row.append(
        span('participant-name', participant.username),
        span('participant-mode', tr(participant.owner ? 'owner' : participant.mode === 'write' ? 'modeWrite' : 'modeRead')),
        span('participant-attached', tr(participant.attached ? 'attached' : 'notAttached')),
      );
      if (manages && !participant.owner) {
        const next = participant.mode === 'read' ? 'write' : 'read';
        const text = tr(next === 'write' ? 'letType' : 'makeReadOnly');
        const controls = document.createElement('div');
        controls.append(
          button(text, text + ': ' + participant.username, function () {
            invite(participant.username, next);
          }),
          button(tr('remove'), tr('removeLabel', { name: participant.username }), function () {
            remove(participant.username);
          }),
        );
        row.append(controls);
      }
      return row;
    });
    list.replaceChildren.apply(list, rows);
  }

  function participantPath(username) {
    return '/terminal-sessions/' + shared + '/participants/' + encodeURIComponent(username);
  }

  async function invite(username, mode) {
    const result = await api('PUT', participantPath(username), { mode: mode });
    if (result.status === 200) {
      say(tr(mode === 'write' ? 'mayType' : 'mayWatch', { name: username }));
      return true;
    }
    say(problem(result));
    return false;
  }

  async function remove(username) {
    const result = await api('DELETE', participantPath(username));
    say(result.status === 204 ? tr('removed', { name: username }) : problem(result));
  }

  const inviteForm = document.getElementById('invite-form');
  if (inviteForm) {
    inviteForm.addEventListener('submit', async function (event) {
      event.preventDefault();
      const name = document.getElementById('invite-username');
      const mode = document.getElementById('invite-mode').value === 'write' ? 'write' : 'read';
      const username = name.value.trim();
      if (username && (await invite(username, mode))) {
        name.value = '';
      }
    });
  }
  const endButton = document.getElementById('end-session');
  if (endButton) {
    endButton.addEventListener('click', async function () {
      if (!window.confirm(tr('endConfirm'))) {
        return;
      }
      const result = await api('DELETE', '/terminal-sessions/' + shared);
      say(result.status === 204 ? tr('sessionEnded') : problem(result));
    });
  }

  connect();
})();
