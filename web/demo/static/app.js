// Ward login demo: cookie mode done right.
//
// The access and refresh tokens live only in HttpOnly cookies that the
// server sets; this script never sees them (the login and refresh answers
// hold only expires_in and the CSRF token). It keeps one secret-less value,
// the CSRF token, and sends it in X-CSRF-Token with every state change.
// Every text from the server is rendered with textContent.
"use strict";

(() => {
  // Refresh this many seconds before the access token expires, but never
  // earlier than halfway through its life.
  const REFRESH_MARGIN_S = 60;
  // After a failed refresh (network, 5xx, 429), try again this soon.
  const RETRY_S = 5;

  const $ = (id) => document.getElementById(id);

  const state = {
    csrf: "",          // the CSRF token: pre-session, or bound to the session
    signedIn: false,
    expiresAt: 0,      // ms since the epoch: when the access cookie expires
    refreshAt: 0,      // ms since the epoch: when the next silent refresh runs
    refreshTimer: 0,
    clockTimer: 0,
    silentRefreshes: 0,
    lastRefresh: 0,
    refreshing: null,  // the refresh in flight, shared by its callers
  };

  // APIError is an error answer of the Ward API: {"error":{"code","message"}}.
  class APIError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  // call sends one request to the API on this origin, with the cookies
  // (credentials: same-origin) and, on a state change, the CSRF token.
  async function call(method, path, body) {
    const headers = { Accept: "application/json" };
    const init = { method, headers, credentials: "same-origin", cache: "no-store", redirect: "error" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (method !== "GET" && method !== "HEAD") {
      headers["X-CSRF-Token"] = state.csrf;
    }
    const res = await fetch(path, init);
    let data = null;
    if (res.status !== 204) {
      const text = await res.text();
      try {
        data = text ? JSON.parse(text) : null;
      } catch {
        data = null;
      }
    }
    if (!res.ok) {
      const e = (data && typeof data.error === "object" && data.error) || {};
      throw new APIError(res.status,
        typeof e.code === "string" ? e.code : "",
        typeof e.message === "string" ? e.message : `The server answered ${res.status}.`);
    }
    return data;
  }

  // fetchCSRF gets a CSRF token: bound to the session of the cookies, or a
  // pre-session one for the login form.
  async function fetchCSRF() {
    const d = await call("GET", "/v1/auth/csrf");
    state.csrf = d.csrf_token;
  }

  // api is call, tried once more with a fresh CSRF token when the server
  // refuses the one sent (403 csrf_failed), as Ward's docs advise.
  async function api(method, path, body) {
    try {
      return await call(method, path, body);
    } catch (err) {
      if (!(err instanceof APIError) || err.code !== "csrf_failed") throw err;
      await fetchCSRF();
      return call(method, path, body);
    }
  }

  // authed is api for the calls that need the access cookie: on 401 (the
  // cookie expired while the tab slept) it refreshes once and tries again.
  async function authed(method, path, body) {
    try {
      return await api(method, path, body);
    } catch (err) {
      if (!(err instanceof APIError) || err.status !== 401) throw err;
      await refresh();
      return api(method, path, body);
    }
  }

  // applyTokens takes a cookie-mode login or refresh answer: no token in
  // it, only the CSRF token of the session and the access token lifetime,
  // from which the next refresh is scheduled.
  function applyTokens(d) {
    if (!d || typeof d.expires_in !== "number" || typeof d.csrf_token !== "string") {
      throw new Error("The server's answer has no expires_in or csrf_token.");
    }
    state.csrf = d.csrf_token;
    const now = Date.now();
    state.expiresAt = now + d.expires_in * 1000;
    const lead = Math.max(d.expires_in - REFRESH_MARGIN_S, d.expires_in / 2);
    schedule(lead);
  }

  function schedule(seconds) {
    clearTimeout(state.refreshTimer);
    state.refreshAt = Date.now() + seconds * 1000;
    state.refreshTimer = setTimeout(silentRefresh, seconds * 1000);
    renderClock();
  }

  // refresh rotates the refresh cookie and gets a new access cookie. Calls
  // made while one runs share it.
  function refresh() {
    if (!state.refreshing) {
      state.refreshing = api("POST", "/v1/auth/refresh", { mode: "cookie" })
        .then((d) => {
          applyTokens(d);
          state.lastRefresh = Date.now();
        })
        .finally(() => {
          state.refreshing = null;
        });
    }
    return state.refreshing;
  }

  // silentRefresh runs from the timer, ahead of the access token's expiry.
  async function silentRefresh() {
    if (!state.signedIn) return;
    try {
      await refresh();
      state.silentRefreshes++;
      $("refresh-count").textContent = String(state.silentRefreshes);
      renderClock();
    } catch (err) {
      if (err instanceof APIError && (err.status === 401 || err.status === 403)) {
        signedOut("Your session has ended. Please log in again.");
        return;
      }
      showError(`Refreshing failed: ${messageOf(err)} Trying again in ${RETRY_S} s.`);
      schedule(RETRY_S);
    }
  }

  // enter shows the signed-in view: the user and their sessions.
  async function enter() {
    const [me, sessions] = await Promise.all([authed("GET", "/v1/me"), authed("GET", "/v1/me/sessions")]);
    state.signedIn = true;
    renderUser(me);
    renderSessions(sessions.sessions);
    $("signed-out").hidden = true;
    $("signed-in").hidden = false;
    clearInterval(state.clockTimer);
    state.clockTimer = setInterval(renderClock, 1000);
    renderClock();
  }

  function signedOut(message) {
    state.signedIn = false;
    clearTimeout(state.refreshTimer);
    clearInterval(state.clockTimer);
    state.silentRefreshes = 0;
    state.lastRefresh = 0;
    $("refresh-count").textContent = "0";
    $("signed-in").hidden = true;
    $("signed-out").hidden = false;
    $("sessions").replaceChildren();
    setStatus(message);
    fetchCSRF().catch((err) => showError(messageOf(err)));
  }

  async function loadSessions() {
    const d = await authed("GET", "/v1/me/sessions");
    renderSessions(d.sessions);
  }

  // Rendering: textContent only.

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fmtDate(s) {
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? String(s) : d.toLocaleString();
  }

  function fmtIn(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    const m = Math.floor(s / 60);
    return m > 0 ? `${m} min ${s % 60} s` : `${s} s`;
  }

  function renderUser(u) {
    $("user-email").textContent = String(u.email);
    $("user-id").textContent = String(u.id);
    $("user-roles").textContent = Array.isArray(u.roles) && u.roles.length ? u.roles.join(", ") : "none";
    $("user-created").textContent = fmtDate(u.created_at);
  }

  function renderSessions(list) {
    const ul = $("sessions");
    ul.replaceChildren();
    if (!Array.isArray(list) || list.length === 0) {
      ul.append(el("li", "session", "No live sessions."));
      return;
    }
    for (const s of list) {
      const li = el("li", s.current ? "session current" : "session");
      li.dataset.sessionId = String(s.id);
      li.append(el("p", "session-title", s.current ? "This browser (current session)" : "Another session"));
      const facts = el("dl", "facts");
      const add = (k, v) => {
        if (v === undefined || v === null || v === "") return;
        facts.append(el("dt", "", k), el("dd", "", v));
      };
      add("Signed in", fmtDate(s.created_at));
      add("Last used", fmtDate(s.last_used_at));
      add("Ends", fmtDate(s.expires_at));
      add("Address", s.ip);
      add("Browser", s.user_agent);
      li.append(facts);
      if (!s.current) {
        const b = el("button", "secondary end-session", "End session");
        b.type = "button";
        b.setAttribute("aria-label", `End the session signed in ${fmtDate(s.created_at)}`);
        b.addEventListener("click", () => endSession(String(s.id), b));
        li.append(b);
      }
      ul.append(li);
    }
  }

  function renderClock() {
    if (!state.signedIn) return;
    const now = Date.now();
    $("token-expiry").textContent = `in ${fmtIn(state.expiresAt - now)} (${new Date(state.expiresAt).toLocaleTimeString()})`;
    let r = `in ${fmtIn(state.refreshAt - now)}`;
    if (state.lastRefresh) r += `; last at ${new Date(state.lastRefresh).toLocaleTimeString()}`;
    $("token-refresh").textContent = r;
    const c = document.cookie;
    $("doc-cookie").textContent = c === "" ? "(empty: every cookie is HttpOnly)" : c;
  }

  function setStatus(text) {
    $("status").textContent = text;
    $("error").hidden = true;
    $("error").textContent = "";
  }

  function showError(text) {
    $("error").textContent = text;
    $("error").hidden = false;
  }

  function messageOf(err) {
    if (err instanceof APIError) return err.message;
    if (err instanceof TypeError) return "The server cannot be reached.";
    return err && err.message ? err.message : String(err);
  }

  function setBusy(busy) {
    for (const b of document.querySelectorAll("button")) b.disabled = busy;
    document.body.setAttribute("aria-busy", busy ? "true" : "false");
  }

  // Actions.

  async function onSubmit(ev) {
    ev.preventDefault();
    const signup = ev.submitter && ev.submitter.value === "signup";
    const email = $("email").value.trim();
    const password = $("password").value;
    if (!email || !password) {
      showError("Enter your email and a password.");
      (email ? $("password") : $("email")).focus();
      return;
    }
    setBusy(true);
    try {
      if (signup) {
        setStatus("Creating the account…");
        await api("POST", "/v1/auth/signup", { email, password });
      }
      setStatus("Logging in…");
      applyTokens(await api("POST", "/v1/auth/login", { email, password, mode: "cookie" }));
      $("password").value = "";
      await enter();
      setStatus(signup ? "Account created; you are logged in." : "You are logged in.");
      $("user-heading").focus();
    } catch (err) {
      setStatus("");
      showError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  async function endSession(id, button) {
    button.disabled = true;
    try {
      await authed("DELETE", `/v1/me/sessions/${encodeURIComponent(id)}`);
      await loadSessions();
      setStatus("The session has ended.");
      $("sessions-heading").focus();
    } catch (err) {
      button.disabled = false;
      showError(messageOf(err));
    }
  }

  async function onLogout() {
    setBusy(true);
    try {
      await api("POST", "/v1/auth/logout");
    } catch (err) {
      // 401: the session had already ended; the cookies are cleared anyway.
      if (!(err instanceof APIError) || err.status !== 401) {
        showError(messageOf(err));
        setBusy(false);
        return;
      }
    }
    setBusy(false);
    signedOut("You are logged out.");
    $("signin-heading").focus();
  }

  async function onReloadSessions() {
    try {
      await loadSessions();
      setStatus("Sessions reloaded.");
    } catch (err) {
      showError(messageOf(err));
    }
  }

  // A timer of a background tab may run late: catch up when it shows.
  function onVisible() {
    if (document.visibilityState === "visible" && state.signedIn && Date.now() >= state.refreshAt) {
      silentRefresh();
    }
  }

  async function start() {
    $("auth-form").addEventListener("submit", onSubmit);
    $("logout").addEventListener("click", onLogout);
    $("reload-sessions").addEventListener("click", onReloadSessions);
    document.addEventListener("visibilitychange", onVisible);
    try {
      await fetchCSRF();
    } catch (err) {
      setStatus("");
      showError(messageOf(err));
      return;
    }
    // A session from before this page load? Its refresh cookie goes only
    // to /v1/auth, so ask there: a refresh also says when the access
    // token expires.
    try {
      applyTokens(await call("POST", "/v1/auth/refresh", { mode: "cookie" }));
      await enter();
      setStatus("Welcome back: you are logged in.");
    } catch (err) {
      if (!(err instanceof APIError)) showError(messageOf(err));
      signedOut("Log in, or sign up with a new account.");
    }
  }

  start();
})();
