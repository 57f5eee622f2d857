// Ward token debugger. Everything attacker-controlled (whatever a token
// holds) is put in the page with textContent, never as HTML. The only
// network requests are the page's own files and a JWK Set URL the user
// types; the token and keys never leave the page.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const JWS_ALGS = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
    "ES256", "ES384", "ES512", "EdDSA"];
  const JWE_ALGS = ["dir", "A128KW", "A256KW", "RSA-OAEP", "RSA-OAEP-256", "ECDH-ES", "ECDH-ES+A128KW",
    "ECDH-ES+A256KW", "PBES2-HS256+A128KW", "PBES2-HS512+A256KW"];
  const MAX_JWKS = 1 << 20;
  let ops = null;
  let decodedKind = "";

  // call runs one function of Ward's WebAssembly with a request object and
  // returns its result (an object with "error" on failure).
  function call(name, req) {
    if (!ops) return { error: "Ward is still loading" };
    return JSON.parse(ops[name](JSON.stringify(req)));
  }

  function show(el, on) { el.hidden = !on; }
  function text(el, s) { el.textContent = s; }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
  function li(list, s) {
    const item = document.createElement("li");
    item.textContent = s;
    list.appendChild(item);
  }
  function fillSelect(sel, algs) {
    for (const a of algs) {
      const o = document.createElement("option");
      o.value = a;
      o.textContent = a;
      sel.appendChild(o);
    }
  }
  function copy(input) {
    const value = input.value;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(value).catch(() => { input.select(); });
    } else {
      input.select();
    }
  }

  // --- Decode ---

  function decode() {
    // Pasted as a file is read by "ward verify": one trailing newline and a
    // leading "Bearer " are dropped by Ward, nothing else.
    const tok = $("token").value;
    show($("share"), false);
    if (tok.trim() === "") {
      show($("decoded"), false);
      show($("decode-error"), false);
      decodedKind = "";
      return;
    }
    const d = call("decode", { token: tok, now: Date.now() });
    if (d.error) {
      text($("decode-error"), "Cannot decode: " + d.error);
      show($("decode-error"), true);
      show($("decoded"), false);
      decodedKind = "";
      return;
    }
    decodedKind = d.kind;
    show($("decode-error"), false);
    show($("decoded"), true);
    const parts = $("parts");
    clear(parts);
    const names = d.kind === "JWE"
      ? ["header", "encrypted key", "IV", "ciphertext", "tag"]
      : ["header", "payload", "signature"];
    d.parts.forEach((p, i) => {
      if (i > 0) parts.appendChild(document.createTextNode("."));
      const span = document.createElement("span");
      span.className = "part part-" + i;
      span.title = names[i] || "";
      span.textContent = p;
      parts.appendChild(span);
    });
    const legend = $("parts-legend");
    clear(legend);
    names.forEach((n, i) => {
      const span = document.createElement("span");
      span.className = "part part-" + i;
      span.textContent = n;
      legend.appendChild(span);
      legend.appendChild(document.createTextNode(" "));
    });
    text($("header-h"), d.kind === "JWE" ? "Protected header" : "Header");
    text($("header"), d.header);
    if (d.kind === "JWE") {
      text($("claims-h"), "Content");
      text($("claims"), "Encrypted: give the key under \"Decrypt a JWE\" to see it." +
        (d.nested ? " It holds a signed JWT (\"cty\":\"JWT\")." : ""));
      text($("sizes"), "Encrypted key: " + d.sizes.encrypted_key + " bytes, IV: " + d.sizes.iv +
        " bytes, ciphertext: " + d.sizes.ciphertext + " bytes, tag: " + d.sizes.tag + " bytes.");
      selectIfEmpty($("decrypt-alg"), d.alg, JWE_ALGS);
    } else {
      text($("claims-h"), d.claims !== undefined && d.claims !== "" ? "Claims" : "Payload (not a JSON object)");
      text($("claims"), d.claims ? d.claims : (d.payload || ""));
      text($("sizes"), "Signature: " + d.signature_bytes + " bytes.");
    }
    const tbody = $("dates").tBodies[0];
    clear(tbody);
    for (const dc of d.dates) {
      const tr = document.createElement("tr");
      const local = new Date(dc.unix * 1000);
      for (const cell of [dc.name, dc.time, local.toLocaleString(), dc.desc]) {
        const td = document.createElement("td");
        td.textContent = cell;
        tr.appendChild(td);
      }
      tbody.appendChild(tr);
    }
    show($("dates-box"), d.dates.length > 0);
    const warnings = $("warnings");
    clear(warnings);
    for (const w of d.warnings) li(warnings, w);
    if (d.warnings.length === 0) li(warnings, "None.");
    const hint = $("verify-alg-hint");
    text(hint, d.kind === "JWS" && d.alg ? "The token says \"alg\": " + JSON.stringify(d.alg) +
      ". Ward uses the key's algorithm and rejects a token whose \"alg\" differs." : "");
  }

  function selectIfEmpty(sel, value, allowed) {
    if (sel.value === "" && allowed.includes(value)) sel.value = value;
  }

  // --- Verify ---

  async function verify() {
    const kind = $("verify-kind").value;
    const req = {
      token: $("token").value,
      key_kind: kind,
      key: $("verify-key").value,
      alg: $("verify-alg").value,
      iss: $("verify-iss").value.trim(),
      aud: $("verify-aud").value.trim(),
      typ: $("verify-typ").value.trim(),
      leeway: $("verify-leeway").value.trim(),
      at: $("verify-at").value.trim(),
      now: Date.now(),
    };
    showVerdict("working", "Verifying…", "", []);
    if (kind === "jwks-url") {
      let jwks;
      try {
        jwks = await fetchJWKS($("jwks-url").value.trim());
      } catch (e) {
        showVerdict("key_error", "Cannot verify", String(e.message || e), []);
        return;
      }
      req.key_kind = "key";
      req.key = jwks;
    }
    const r = call("verify", req);
    if (r.error) {
      showVerdict("key_error", "Cannot verify", r.error, []);
      return;
    }
    let title;
    switch (r.verdict) {
      case "valid": title = "Signature verified: the token is valid"; break;
      case "expired": title = "Signature verified, but the token is expired"; break;
      case "not_yet_valid": title = "Signature verified, but the token is not yet valid"; break;
      case "key_error": title = "Cannot verify"; break;
      default:
        if (r.code === "bad_signature") title = "Invalid signature";
        else if (["invalid_issuer", "invalid_audience", "missing_claim"].includes(r.code)) title = "Signature verified, but the token is invalid";
        else title = "Invalid token";
    }
    showVerdict(r.verdict, title, r.reason || "", r.notes || [], r.code || "");
  }

  function showVerdict(verdict, title, reason, notes, code) {
    const box = $("verdict");
    box.dataset.verdict = verdict;
    box.dataset.code = code || "";
    box.className = "verdict verdict-" + verdict;
    text($("verdict-title"), title);
    text($("verdict-reason"), reason);
    const list = $("verdict-notes");
    clear(list);
    for (const n of notes) li(list, n);
    show(box, true);
  }

  // fetchJWKS fetches the JWK Set at the URL the user typed: a plain GET
  // without credentials, referrer or the token, at most 1 MiB.
  async function fetchJWKS(raw) {
    let url;
    try {
      url = new URL(raw);
    } catch {
      throw new Error("not a URL: " + raw);
    }
    const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
      throw new Error("the JWK Set URL must be https (plain http only for localhost)");
    }
    if (url.origin !== location.origin && !remoteMode()) {
      show($("remote-box"), true);
      throw new Error("this page may fetch only from its own origin (" + location.origin +
        "): use the link below to allow HTTPS key URLs");
    }
    const resp = await fetch(url.href, {
      method: "GET", credentials: "omit", referrerPolicy: "no-referrer", cache: "no-store",
      redirect: "error", mode: "cors",
    });
    if (!resp.ok) throw new Error("fetching the JWK Set: HTTP " + resp.status);
    const body = await resp.text();
    if (body.length > MAX_JWKS) throw new Error("the JWK Set is over 1 MiB");
    return body;
  }

  function remoteMode() {
    return new URLSearchParams(location.search).get("jwks") === "remote";
  }

  // --- Decrypt ---

  function decrypt() {
    show($("decrypt-error"), false);
    show($("decrypted"), false);
    const r = call("decrypt", {
      token: $("token").value, key_kind: $("decrypt-kind").value, key: $("decrypt-key").value,
      alg: $("decrypt-alg").value, now: Date.now(),
    });
    if (r.error) {
      text($("decrypt-error"), "Cannot decrypt: " + r.error);
      show($("decrypt-error"), true);
      return;
    }
    text($("plaintext"), r.plaintext);
    show($("inner-box"), !!r.inner);
    show($("decrypted"), true);
  }

  // --- Create ---

  function sign() {
    show($("create-error"), false);
    show($("created"), false);
    const r = call("sign", {
      header: $("create-header").value, claims: $("create-claims").value,
      key_kind: $("create-kind").value, key: $("create-key").value,
    });
    if (r.error) {
      text($("create-error"), "Cannot sign: " + r.error);
      show($("create-error"), true);
      return;
    }
    $("created-token").value = r.token;
    show($("created"), true);
  }

  function openInDecoder(tok) {
    $("token").value = tok;
    decode();
    $("token").focus();
  }

  // --- Keys ---

  function showKey(r) {
    show($("keys-error"), false);
    const dl = $("key-info");
    clear(dl);
    if (r.error) {
      text($("keys-error"), r.error);
      show($("keys-error"), true);
      show($("key-out"), false);
      return;
    }
    const rows = [
      ["Algorithm", r.alg || "(not bound)"], ["Key type", r.kty],
      ["RFC 7638 thumbprint (SHA-256)", r.thumbprint], ["Public JWK", r.public_jwk],
      ["Public PEM", r.public_pem], ["Private JWK (keep secret)", r.private_jwk],
      ["Private PEM (keep secret)", r.private_pem], ["Secret, base64url (keep secret)", r.secret],
      ["Secret JWK (keep secret)", r.secret_jwk],
    ];
    rows.forEach(([label, value], i) => {
      if (!value) return;
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      const area = document.createElement("textarea");
      area.readOnly = true;
      area.rows = Math.min(12, value.split("\n").length + 1);
      area.value = value;
      area.id = "key-out-" + i;
      area.setAttribute("aria-label", label);
      const btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = "Copy";
      btn.addEventListener("click", () => copy(area));
      dd.appendChild(area);
      dd.appendChild(btn);
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
    show($("key-out"), true);
  }

  // --- Share ---

  function share() {
    const tok = $("token").value;
    if (tok.trim() === "") return;
    // The token goes only in the fragment, which browsers never send.
    $("share-link").value = location.origin + location.pathname + "#token=" + encodeURIComponent(tok);
    show($("share"), true);
  }

  function tokenFromFragment() {
    const params = new URLSearchParams(location.hash.slice(1));
    return params.get("token") || "";
  }

  // --- Wiring ---

  function wire() {
    fillSelect($("verify-alg"), JWS_ALGS);
    fillSelect($("decrypt-alg"), JWE_ALGS);
    fillSelect($("convert-alg"), JWS_ALGS.concat(JWE_ALGS));
    fillSelect($("keygen-alg"), JWS_ALGS.concat(JWE_ALGS));
    $("keygen-alg").value = "ES256";
    const now = Math.floor(Date.now() / 1000);
    $("create-claims").value = JSON.stringify({ sub: "alice", iat: now, exp: now + 600 }, null, 2);

    $("token").addEventListener("input", decode);
    $("clear-btn").addEventListener("click", () => { $("token").value = ""; decode(); });
    $("share-btn").addEventListener("click", share);
    $("share-copy").addEventListener("click", () => copy($("share-link")));
    $("verify-kind").addEventListener("change", () => {
      const url = $("verify-kind").value === "jwks-url";
      show($("verify-url-box"), url);
      show($("verify-key-box"), !url);
    });
    $("verify-btn").addEventListener("click", verify);
    $("remote-link").addEventListener("click", (ev) => {
      ev.preventDefault();
      const tok = $("token").value;
      location.href = location.pathname + "?jwks=remote" + (tok ? "#token=" + encodeURIComponent(tok) : "");
    });
    $("decrypt-btn").addEventListener("click", decrypt);
    $("inner-open").addEventListener("click", () => openInDecoder($("plaintext").textContent));
    $("create-btn").addEventListener("click", sign);
    $("created-copy").addEventListener("click", () => copy($("created-token")));
    $("created-open").addEventListener("click", () => openInDecoder($("created-token").value));
    $("keygen-btn").addEventListener("click", () =>
      showKey(call("keygen", { alg: $("keygen-alg").value, crv: $("keygen-crv").value })));
    $("convert-btn").addEventListener("click", () =>
      showKey(call("convert", { key: $("convert-in").value, alg: $("convert-alg").value })));
    window.addEventListener("hashchange", () => {
      const tok = tokenFromFragment();
      if (tok) openInDecoder(tok);
    });
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator) || !window.trustedTypes) {
      text($("sw-status"), "(Offline use needs a browser with service workers.)");
      return;
    }
    // The one Trusted Types policy the page's CSP allows: it admits only
    // the service worker's own URL.
    const policy = trustedTypes.createPolicy("ward", {
      createScriptURL: (u) => {
        if (u !== "sw.js") throw new TypeError("unexpected script URL");
        return u;
      },
    });
    navigator.serviceWorker.register(policy.createScriptURL("sw.js"), { scope: "./" })
      .then(() => text($("sw-status"), "(Saved for offline use.)"))
      .catch(() => text($("sw-status"), "(Offline copy unavailable.)"));
  }

  async function start() {
    wire();
    registerWorker();
    const go = new Go();
    const ready = new Promise((resolve) => { window.wardOpsReady = resolve; });
    try {
      const resp = fetch("ward.wasm");
      const result = await WebAssembly.instantiateStreaming(resp, go.importObject);
      go.run(result.instance);
      await ready;
    } catch (e) {
      text($("status"), "Ward could not load: " + e);
      return;
    }
    ops = window.wardOps;
    document.body.dataset.ready = "true";
    text($("status"), "Ready. Decoding shows what a token says; only Verify says whether to believe it.");
    const tok = tokenFromFragment();
    if (tok) $("token").value = tok;
    decode();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
