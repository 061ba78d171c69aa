// Habilis passkeys: runs the WebAuthn ceremony of each form marked data-webauthn="create" or
// "get". The server puts the options (JSON, binary fields in base64url) in data-options; this
// script turns them into what navigator.credentials expects, asks the authenticator, puts the
// answer (JSON, base64url) in the form's "response" field and sends the form. Served from
// /assets/ (the Content-Security-Policy allows no inline script). Without JavaScript the forms
// stay hidden and the page says passkeys need it; the TOTP forms work as before.
(function () {
  "use strict";

  function fromB64u(s) {
    var b64 = s.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }

  function toB64u(buf) {
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (c) {
      var d = { type: c.type, id: fromB64u(c.id) };
      if (c.transports) { d.transports = c.transports; }
      return d;
    });
  }

  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = fromB64u(pk.challenge);
    pk.user.id = fromB64u(pk.user.id);
    pk.excludeCredentials = descriptors(pk.excludeCredentials);
    return { publicKey: pk };
  }

  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = fromB64u(pk.challenge);
    pk.allowCredentials = descriptors(pk.allowCredentials);
    return { publicKey: pk };
  }

  function encode(cred) {
    var r = cred.response;
    var response = { clientDataJSON: toB64u(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toB64u(r.attestationObject);
      if (r.getTransports) { response.transports = r.getTransports(); }
    } else {
      response.authenticatorData = toB64u(r.authenticatorData);
      response.signature = toB64u(r.signature);
      response.userHandle = r.userHandle ? toB64u(r.userHandle) : null;
    }
    return {
      id: cred.id,
      rawId: toB64u(cred.rawId),
      type: cred.type,
      response: response,
      extensions: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
    };
  }

  function setUp(form) {
    var mode = form.getAttribute("data-webauthn");
    var status = form.querySelector("[data-webauthn-status]");
    var field = form.querySelector("input[name=response]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (status) { status.textContent = ""; }
      var options;
      try {
        options = JSON.parse(form.getAttribute("data-options"));
      } catch (e) {
        if (status) { status.textContent = form.getAttribute("data-cancelled"); }
        return;
      }
      var ceremony = mode === "create"
        ? navigator.credentials.create(creationOptions(options))
        : navigator.credentials.get(requestOptions(options));
      ceremony.then(function (cred) {
        field.value = JSON.stringify(encode(cred));
        form.submit();
      }, function () {
        if (status) { status.textContent = form.getAttribute("data-cancelled"); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var supported = !!(window.PublicKeyCredential && navigator.credentials);
    var blocks = document.querySelectorAll("[data-passkey]");
    for (var i = 0; i < blocks.length; i++) {
      if (supported) { blocks[i].hidden = false; }
    }
    var notes = document.querySelectorAll("[data-passkey-unsupported]");
    for (var j = 0; j < notes.length; j++) {
      if (!supported) { notes[j].hidden = false; }
    }
    if (!supported) { return; }
    var forms = document.querySelectorAll("form[data-webauthn]");
    for (var k = 0; k < forms.length; k++) { setUp(forms[k]); }
  });
}());
