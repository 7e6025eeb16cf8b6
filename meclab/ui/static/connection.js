// meclab dashboard: how the page talks to meclab's control API.
//
// `meclabConnection.api(path, {method, body})` sends JSON and throws an ApiError carrying the
// RFC 7807 problem details' title and detail; `meclabConnection.stream(path, handlers)` follows a
// server-sent event stream. Both work in open mode and in secure mode, where meclab wants the
// operator's bearer token on every request: the page then holds the operator's credential for
// this tab only (sessionStorage), taken from the sign-in link `meclab dashboard` prints (its
// fragment, which the browser never sends to a server) or typed into the sign-in form, and trades
// it for tokens at /meclab/v1/oauth2/token as they expire.
//
// The stream is read with fetch rather than EventSource, which cannot send a token; it does what
// EventSource does: reconnects after a drop (meclab restarting too) after the server's `retry`
// delay, sending the last id it received as Last-Event-ID, so the server resumes after it.
"use strict";

(() => {
  const API = "/meclab/v1";
  const CREDENTIAL_KEY = "meclab.credential"; // sessionStorage: {id, secret}
  const TOKEN_MARGIN_S = 30; // renew a token this long before it expires
  const RETRY_MS = 2000; // between stream reconnections, until the server says otherwise

  /** An API answer that was not 2xx, with its RFC 7807 problem details when it had some. */
  class ApiError extends Error {
    constructor(path, status, problem) {
      const title = (problem && problem.title) || `HTTP ${status}`;
      const detail = (problem && problem.detail) || `${path} answered ${status}`;
      super(`${title}: ${detail}`);
      this.title = title;
      this.detail = detail;
      this.status = status;
    }
  }

  // --- secure mode -----------------------------------------------------------------------

  // the credential held, its token and when that expires, a token request under way and for
  // which credential (one replaced meanwhile must not be forgotten for the old one's refusal)
  const auth = { credential: null, token: null, expires: 0, pending: null, pendingFor: null };

  function loadCredential() {
    const link = new URLSearchParams(location.hash.slice(1));
    const id = link.get("client_id");
    const secret = link.get("client_secret");
    if (id && secret) {
      sessionStorage.setItem(CREDENTIAL_KEY, JSON.stringify({ id, secret }));
      // off the address bar and the history: the link is a secret
      history.replaceState(null, "", location.pathname + location.search);
    }
    const stored = sessionStorage.getItem(CREDENTIAL_KEY);
    auth.credential = stored ? JSON.parse(stored) : null;
  }

  function formEncode(text) {
    // RFC 6749 §2.3.1: each part of a Basic credential is form-encoded first
    return encodeURIComponent(text).replace(/%20/g, "+");
  }

  async function fetchToken(credential) {
    const { id, secret } = credential;
    let response;
    try {
      response = await fetch(`${API}/oauth2/token`, {
        method: "POST",
        // no credentials mode: a refusal (401 + WWW-Authenticate: Basic) must come back to the
        // page, not open the browser's own password prompt
        credentials: "omit",
        headers: {
          Accept: "application/json",
          Authorization: `Basic ${btoa(`${formEncode(id)}:${formEncode(secret)}`)}`,
          "Content-Type": "application/x-www-form-urlencoded",
        },
        body: "grant_type=client_credentials",
      });
    } catch (exc) {
      throw new ApiError("/oauth2/token", 0, { title: "meclab unreachable", detail: exc.message });
    }
    const answer = await response.json().catch(() => null);
    const current = auth.credential === credential; // not replaced meanwhile (a new sign-in)
    if (response.status === 404) {
      if (current) forget(); // no token endpoint: this meclab runs in open mode, wants none
      return null;
    }
    if (!response.ok) {
      if (current) {
        forget(); // a wrong or revoked secret: ask again
        askToSignIn();
      }
      const why = (answer && (answer.error_description || answer.error)) || `HTTP ${response.status}`;
      const refused = new ApiError("/oauth2/token", response.status, {
        title: "sign-in refused",
        detail: `meclab refused the credential of ${id}: ${why}`,
      });
      // told once, whichever request asked for the token (a stream's would only retry)
      if (current) for (const fn of refusalListeners) fn(refused);
      throw refused;
    }
    if (current) {
      auth.token = answer.access_token;
      auth.expires = Date.now() / 1000 + answer.expires_in;
    }
    return answer.access_token;
  }

  const refusalListeners = [];

  /** Call `fn(apiError)` each time meclab refuses the credential the page signed in with. */
  function onSignInRefused(fn) {
    refusalListeners.push(fn);
  }

  /** The bearer token to send (a fresh one if `renew`), or null without a credential. */
  async function bearer(renew = false) {
    const credential = auth.credential;
    if (!credential) return null;
    if (!renew && auth.token && Date.now() / 1000 < auth.expires - TOKEN_MARGIN_S) return auth.token;
    if (!auth.pending || auth.pendingFor !== credential) {
      const pending = fetchToken(credential).finally(() => {
        if (auth.pending === pending) auth.pending = null;
      });
      Object.assign(auth, { pending, pendingFor: credential });
    }
    return auth.pending;
  }

  function forget() {
    sessionStorage.removeItem(CREDENTIAL_KEY);
    Object.assign(auth, { credential: null, token: null, expires: 0 });
  }

  /** Show the sign-in form: meclab asked for a token and the page has no credential. */
  function askToSignIn() {
    const form = document.getElementById("signin");
    if (!form || !form.hidden) return;
    form.hidden = false;
    form.querySelector("input[name=secret]").focus();
  }

  function setUpSignIn() {
    const form = document.getElementById("signin");
    if (!form) return;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const secret = form.querySelector("input[name=secret]").value.trim();
      const id = form.querySelector("input[name=client]").value.trim() || "operator";
      if (!secret) return;
      sessionStorage.setItem(CREDENTIAL_KEY, JSON.stringify({ id, secret }));
      Object.assign(auth, { credential: { id, secret }, token: null });
      form.hidden = true;
      form.reset();
      // the page's polls and stream retry by themselves and now send a token
    });
  }

  // --- requests ----------------------------------------------------------------------------

  /** Call meclab's control API; `body` (if any) is sent as JSON. Throws an ApiError. */
  async function api(path, { method = "GET", body } = {}) {
    for (let attempt = 0; ; attempt++) {
      const headers = { Accept: "application/json" };
      const init = { method, headers };
      if (body !== undefined) {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      const token = await bearer(attempt > 0);
      if (token) headers.Authorization = `Bearer ${token}`;
      let response;
      try {
        response = await fetch(API + path, init);
      } catch (exc) {
        throw new ApiError(path, 0, { title: "meclab unreachable", detail: `${path}: ${exc.message}` });
      }
      if (response.status === 401 && token && attempt === 0) continue; // expired: once more
      if (response.status === 401 && !auth.credential) askToSignIn();
      const type = response.headers.get("content-type") || "";
      const answer = type.includes("json") ? await response.json() : null;
      if (!response.ok) throw new ApiError(path, response.status, answer);
      return answer;
    }
  }

  /**
   * Follow the server-sent events at `path`: `onEvent({event, data, id})` for each,
   * `onOpen()` when (re)connected, `onClose(reason)` when the connection ended (it is made
   * again unless `stop()` was called). Returns `{stop}`.
   */
  function stream(path, { onEvent, onOpen = () => {}, onClose = () => {} }) {
    let lastId = null;
    let retryMs = RETRY_MS;
    let stopped = false;
    let controller = null;

    async function connect() {
      let reason = "ended";
      controller = new AbortController();
      try {
        const headers = { Accept: "text/event-stream" };
        if (lastId !== null) headers["Last-Event-ID"] = lastId;
        const token = await bearer();
        if (token) headers.Authorization = `Bearer ${token}`;
        const response = await fetch(API + path, { headers, signal: controller.signal, cache: "no-store" });
        const type = response.headers.get("content-type") || "";
        if (response.status === 401) {
          if (token) await bearer(true).catch(() => {});
          else askToSignIn();
        }
        if (!response.ok || !type.startsWith("text/event-stream")) {
          reason = `HTTP ${response.status}`;
          await response.body?.cancel();
        } else {
          onOpen();
          await read(response.body);
        }
      } catch (exc) {
        if (exc instanceof ApiError) reason = exc.title; // e.g. a refused sign-in
        else reason = exc.name === "AbortError" ? "stopped" : `unreachable: ${exc.message}`;
      }
      onClose(reason);
      if (!stopped) setTimeout(connect, retryMs);
    }

    async function read(body) {
      const reader = body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      let event = { event: "message", data: [], id: null };
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        for (;;) {
          const end = buffer.search(/\r\n|\r|\n/);
          // a CR at the very end may be the first half of a CRLF split across two reads
          if (end < 0 || (end === buffer.length - 1 && buffer[end] === "\r")) break;
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + (buffer.startsWith("\r\n", end) ? 2 : 1));
          if (line === "") {
            if (event.data.length) {
              onEvent({ event: event.event, data: event.data.join("\n"), id: event.id });
            }
            event = { event: "message", data: [], id: lastId };
            continue;
          }
          if (line.startsWith(":")) continue; // a comment: the server's keep-alive ping
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          let text = colon < 0 ? "" : line.slice(colon + 1);
          if (text.startsWith(" ")) text = text.slice(1);
          if (field === "event") event.event = text;
          else if (field === "data") event.data.push(text);
          else if (field === "id" && !text.includes("\0")) event.id = lastId = text;
          else if (field === "retry" && /^\d+$/.test(text)) retryMs = Number(text);
        }
      }
    }

    connect();
    return {
      stop() {
        stopped = true;
        if (controller) controller.abort();
      },
    };
  }

  loadCredential();
  // a sign-in link opened in a tab that shows the page already changes only its fragment
  window.addEventListener("hashchange", () => {
    loadCredential();
    if (auth.credential) {
      auth.token = null;
      const form = document.getElementById("signin");
      if (form) form.hidden = true;
    }
  });
  document.addEventListener("DOMContentLoaded", setUpSignIn);
  window.meclabConnection = { API, ApiError, api, stream, auth, signOut: forget, onSignInRefused };
})();
