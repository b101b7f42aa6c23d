// The SMART Health Link viewer (templates/share/viewer.html).
//
// The link is https://<host>/view#shlink:/<payload>. Everything after # stays in this browser: the payload
// holds the manifest address and the key. This script posts to the manifest (recipient, passcode), decrypts
// each file (compact JWE, dir + A256GCM) with Web Crypto, and shows the FHIR record as tables. It writes only
// text (textContent): the page's Content Security Policy enforces Trusted Types, so no HTML can be made from
// a string here at all.
(function () {
  "use strict";

  var root = document.getElementById("shl-viewer");
  if (!root) { return; }
  var form = document.getElementById("shl-form");
  var PENDING = "shl-pending-link";
  var NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number";
  var INTERPRETER = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired";
  var SECTIONS = { "48765-2": "allergies", "10160-0": "medicines", "11450-4": "conditions", "11369-6": "vaccines" };

  function msg(name) { return root.getAttribute("data-msg-" + name) || ""; }
  function byId(id) { return document.getElementById(id); }

  function problem(text) {
    var box = byId("shl-problem");
    box.querySelector("p").textContent = text;
    box.hidden = false;
    form.hidden = true;
  }

  function fieldError(name, text) {
    var group = byId("shl-" + name + "-group");
    var error = byId("shl-" + name + "-error");
    var input = byId("shl-" + name);
    group.classList.toggle("nhsuk-form-group--error", Boolean(text));
    error.hidden = !text;
    error.textContent = text || "";
    input.classList.toggle("nhsuk-input--error", Boolean(text));
    input.setAttribute("aria-describedby", "shl-" + name + "-hint" + (text ? " shl-" + name + "-error" : ""));
    if (text) { input.focus(); }
  }

  function bytesFromBase64url(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var binary = atob(b64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes;
  }

  function utf8(bytes) { return new TextDecoder("utf-8", { fatal: true }).decode(bytes); }

  // ---- The link ---------------------------------------------------------------------------------------

  function readPayload() {
    var hash = window.location.hash.slice(1);
    // Coming back from the language page: the link was kept in this tab only (never sent anywhere), and is
    // forgotten here whether or not it is needed, so a later visit never finds an old one.
    var pending = window.sessionStorage.getItem(PENDING) || "";
    window.sessionStorage.removeItem(PENDING);
    if (!hash && pending) {
      hash = pending;
      window.history.replaceState(null, "", "#" + hash);
    }
    var start = hash.indexOf("shlink:/");
    if (start < 0) { return null; }
    try {
      var payload = JSON.parse(utf8(bytesFromBase64url(hash.slice(start + 8))));
      if (typeof payload.url !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(payload.key)) { return null; }
      return payload;
    } catch (error) {
      return null;
    }
  }

  function formatDate(value) {
    if (!value) { return ""; }
    var date = typeof value === "number" ? new Date(value) : new Date(value.length === 10 ? value + "T12:00:00Z" : value);
    if (isNaN(date.getTime())) { return value; }
    return new Intl.DateTimeFormat(document.documentElement.lang || "en-GB", {
      day: "numeric", month: "long", year: "numeric", timeZone: "Europe/London"
    }).format(date);
  }

  // ---- Files: compact JWE, alg dir, enc A256GCM ----------------------------------------------------------

  function decrypt(jwe, key) {
    var parts = jwe.split(".");
    if (parts.length !== 5 || parts[1] !== "") { return Promise.reject(new Error("not a compact JWE")); }
    var header = JSON.parse(utf8(bytesFromBase64url(parts[0])));
    if (header.alg !== "dir" || header.enc !== "A256GCM") { return Promise.reject(new Error("unexpected algorithm")); }
    var ciphertext = bytesFromBase64url(parts[3]);
    var tag = bytesFromBase64url(parts[4]);
    var sealed = new Uint8Array(ciphertext.length + tag.length);
    sealed.set(ciphertext);
    sealed.set(tag, ciphertext.length);
    return window.crypto.subtle.importKey("raw", bytesFromBase64url(key), { name: "AES-GCM" }, false, ["decrypt"])
      .then(function (cryptoKey) {
        return window.crypto.subtle.decrypt({
          name: "AES-GCM",
          iv: bytesFromBase64url(parts[2]),
          additionalData: new TextEncoder().encode(parts[0]),
          tagLength: 128
        }, cryptoKey, sealed);
      })
      .then(function (plain) {
        var bytes = new Uint8Array(plain);
        if (header.zip !== "DEF") { return bytes; }
        var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
        return new Response(stream).arrayBuffer().then(function (inflated) { return new Uint8Array(inflated); });
      })
      .then(function (bytes) { return { type: header.cty || "", text: utf8(bytes) }; });
  }

  function fileText(file, key) {
    if (typeof file.embedded === "string") { return decrypt(file.embedded, key); }
    return window.fetch(file.location, { credentials: "omit" }).then(function (response) {
      if (!response.ok) { throw new Error("file " + response.status); }
      return response.text();
    }).then(function (jwe) { return decrypt(jwe.trim(), key); });
  }

  // ---- The FHIR record, as tables ------------------------------------------------------------------------

  function fromTemplate(id) { return byId(id).content.cloneNode(true); }

  function fillRows(fragment, rows) {
    var headings = Array.prototype.map.call(fragment.querySelectorAll("th"), function (th) { return th.textContent; });
    var body = fragment.querySelector("tbody");
    rows.forEach(function (cells) {
      var row = document.createElement("tr");
      row.className = "nhsuk-table__row";
      row.setAttribute("role", "row");
      cells.forEach(function (value, index) {
        var cell = document.createElement("td");
        cell.className = "nhsuk-table__cell" + (value == null || value === "" ? " app-empty-cell" : "");
        var heading = document.createElement("span");
        heading.className = "nhsuk-table-responsive__heading";
        heading.setAttribute("aria-hidden", "true");
        heading.textContent = (headings[index] || "") + " ";
        cell.appendChild(heading);
        cell.appendChild(document.createTextNode(value == null ? "" : String(value)));
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
    return fragment;
  }

  function table(id, rows) {
    var fragment = fromTemplate(id);
    if (!rows.length) {
      var none = document.createElement("p");
      none.textContent = msg("none");
      fragment.replaceChild(none, fragment.querySelector("table"));
      return fragment;
    }
    return fillRows(fragment, rows);
  }

  function text(concept) { return (concept && (concept.text || (concept.coding && concept.coding[0] && concept.coding[0].display))) || ""; }
  function isAbsent(resource) {
    var coding = resource.code && resource.code.coding;
    return Boolean(coding && coding.some(function (c) { return /absent-unknown/.test(c.system || ""); }));
  }
  function confirmed(resource) {
    var coding = resource.verificationStatus && resource.verificationStatus.coding;
    return Boolean(coding && coding[0] && coding[0].code === "confirmed");
  }
  function recordedAs(resource, patientUrl) {
    var said = recordedBy(resource, patientUrl);
    return said && said !== msg("by-nurse") ? said + ". " + msg("not-checked") : said;
  }
  function recordedBy(resource, patientUrl) {
    var said = resource.asserter || resource.informationSource;
    if (said && said.reference === patientUrl) { return msg("by-young-person"); }
    if (resource.resourceType === "Immunization") {
      if (resource.primarySource) { return msg("by-nurse"); }
      var origin = resource.reportOrigin && resource.reportOrigin.coding && resource.reportOrigin.coding[0].code;
      return origin === "recall" ? msg("by-young-person") : msg("imported");
    }
    if (resource.verificationStatus) { return confirmed(resource) ? msg("by-nurse") : msg("imported"); }
    return "";
  }
  function nhsNumber(value) { return value.length === 10 ? value.slice(0, 3) + " " + value.slice(3, 6) + " " + value.slice(6) : value; }
  function decodeEntities(value) {
    return value.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, "\"").replace(/&#x27;/g, "'").replace(/&amp;/g, "&");
  }

  function render(bundle, card, key) {
    var resources = {};
    (bundle.entry || []).forEach(function (entry) { resources[entry.fullUrl] = entry.resource; });
    var composition = bundle.entry[0].resource;
    var patientUrl = composition.subject.reference;
    var patient = resources[patientUrl] || {};
    var out = byId("shl-sections");
    var usual = (patient.name || []).filter(function (n) { return n.use !== "nickname"; })[0] || (patient.name || [])[0] || {};
    var name = usual.text || "";

    if (patient.birthDate) {
      var about = fromTemplate("shl-patient");
      var nhs = (patient.identifier || []).filter(function (i) { return i.system === NHS_NUMBER && i.use === "official"; })[0];
      var languages = (patient.communication || []).map(function (c) { return text(c.language); }).join(", ");
      var interpreter = (patient.extension || []).some(function (e) { return e.url === INTERPRETER && e.valueBoolean; });
      about.querySelector("[data-field=name]").textContent = name;
      about.querySelector("[data-field=birthDate]").textContent = formatDate(patient.birthDate);
      about.querySelector("[data-field=nhsNumber]").textContent = nhs ? nhsNumber(nhs.value) : msg("not-recorded");
      about.querySelector("[data-field=languages]").textContent = (languages || msg("not-recorded")) + (interpreter ? ". " + msg("interpreter") : "");
      out.appendChild(about);
    }

    (composition.section || []).forEach(function (section) {
      if (section.emptyReason && section.emptyReason.coding && section.emptyReason.coding[0].code === "withheld") { return; }
      var entries = (section.entry || []).map(function (ref) { return resources[ref.reference]; }).filter(function (r) { return r && !isAbsent(r); });
      var code = section.code && section.code.coding && section.code.coding[0] && section.code.coding[0].code;
      var kind = SECTIONS[code];
      if (kind === "allergies") {
        out.appendChild(table("shl-allergies", entries.map(function (a) {
          var reaction = (a.reaction || [])[0] || {};
          return [text(a.code), (reaction.manifestation || []).map(text).join(", "), msg("severity-" + reaction.severity) || reaction.severity || "", recordedAs(a, patientUrl)];
        })));
      } else if (kind === "medicines") {
        out.appendChild(table("shl-medicines", entries.filter(function (m) { return m.status === "active"; }).map(function (m) {
          return [text(m.medicationCodeableConcept), (m.dosage || []).map(function (d) { return d.text; }).join(", "),
            formatDate(m.effectivePeriod && m.effectivePeriod.start), recordedAs(m, patientUrl)];
        })));
      } else if (kind === "conditions") {
        out.appendChild(table("shl-conditions", entries.map(function (c) {
          return [text(c.code), formatDate(c.onsetDateTime), (c.note || []).map(function (n) { return n.text; }).join(" "), recordedAs(c, patientUrl)];
        })));
      } else if (kind === "vaccines") {
        entries.sort(function (a, b) { return (a.occurrenceDateTime || "").localeCompare(b.occurrenceDateTime || ""); });
        out.appendChild(table("shl-vaccines", entries.map(function (v) {
          var applied = (v.protocolApplied || [])[0] || {};
          return [text(v.vaccineCode), formatDate(v.occurrenceDateTime), applied.doseNumberPositiveInt || "", recordedAs(v, patientUrl)];
        })));
      } else if (entries.length && entries[0].resourceType === "CareTeam") {
        out.appendChild(table("shl-contacts", (entries[0].participant || []).map(function (p) {
          var person = resources[p.member && p.member.reference] || {};
          var organisation = resources[p.onBehalfOf && p.onBehalfOf.reference] || {};
          var reach = (person.telecom || []).map(function (t) { return t.value; }).join(", ");
          return [(p.role || []).map(text).join(", "), ((person.name || [])[0] || {}).text || "", organisation.name || "", reach];
        })));
      } else if (section.text && section.text.div) {
        // A section in words only (birth history): one "Field: value" a line.
        var block = fromTemplate("shl-text-section");
        block.querySelector("h2").textContent = section.title || "";
        var list = block.querySelector("dl");
        (section.text.div.match(/<li>[\s\S]*?<\/li>/g) || []).forEach(function (item) {
          var line = decodeEntities(item.slice(4, -5));
          var split = line.indexOf(": ");
          var row = document.createElement("div");
          row.className = "nhsuk-summary-list__row";
          var term = document.createElement("dt");
          term.className = "nhsuk-summary-list__key";
          term.textContent = split > 0 ? line.slice(0, split) : "";
          var value = document.createElement("dd");
          value.className = "nhsuk-summary-list__value";
          value.textContent = split > 0 ? line.slice(split + 2) : line;
          row.appendChild(term);
          row.appendChild(value);
          list.appendChild(row);
        });
        out.appendChild(block);
      }
    });

    var gp = (patient.generalPractitioner || []).map(function (ref) { return resources[ref.reference]; })[0];
    if (gp) {
      var address = (gp.address || []).map(function (a) { return a.text; }).join(", ");
      var ods = (gp.identifier || []).filter(function (i) { return /ods-organization-code/.test(i.system || ""); })[0];
      var phone = (gp.telecom || []).map(function (t) { return t.value; }).join(", ");
      out.appendChild(table("shl-services", [[msg("gp"), [gp.name, ods ? ods.value : "", address].filter(Boolean).join(", "), phone, ""]]));
    }
    if (card) { out.appendChild(fromTemplate("shl-card")); }
    return name;
  }

  function offerDownload(id, content, type) {
    var link = byId(id);
    link.href = URL.createObjectURL(new Blob([content], { type: type }));
    link.hidden = false;
    byId("shl-downloads").hidden = false;
  }

  // ---- The page ----------------------------------------------------------------------------------------

  // Another link pasted into the address bar of this page changes only the part after #: start again.
  window.addEventListener("hashchange", function () { window.location.reload(); });
  var payload = readPayload();
  // The header's language link leaves this page, and the part after # with it: keep it in this tab.
  document.querySelectorAll(".app-header__language").forEach(function (languageLink) {
    languageLink.addEventListener("click", function () {
      if (window.location.hash) { window.sessionStorage.setItem(PENDING, window.location.hash.slice(1)); }
    });
  });
  if (!payload) { problem(msg("incomplete")); return; }
  if (payload.v && payload.v > 1) { problem(msg("newer")); return; }
  var manifestUrl;
  try { manifestUrl = new URL(payload.url); } catch (error) { problem(msg("incomplete")); return; }
  if (manifestUrl.origin !== window.location.origin) { problem(msg("other-service")); return; }
  if (payload.exp && payload.exp * 1000 < Date.now()) { problem(msg("stopped")); return; }
  var needsPasscode = (payload.flag || "").indexOf("P") >= 0;
  byId("shl-passcode-group").hidden = !needsPasscode;
  if (payload.exp) {
    // The link ends at midnight after its last day, UK time: name that last day.
    byId("shl-ends").textContent = msg("ends").replace("{date}", formatDate(payload.exp * 1000 - 1000));
  }
  form.hidden = false;

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var recipient = byId("shl-recipient").value.trim();
    var passcode = byId("shl-passcode").value;
    fieldError("recipient", recipient ? "" : msg("no-recipient"));
    if (!recipient) { return; }
    fieldError("passcode", !needsPasscode || passcode ? "" : msg("no-passcode"));
    if (needsPasscode && !passcode) { return; }
    var body = { recipient: recipient };
    if (needsPasscode) { body.passcode = passcode; }
    var button = form.querySelector("button");
    button.disabled = true;
    window.fetch(payload.url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit"
    }).then(function (response) {
      if (response.status === 401) {
        return response.json().then(function (answer) {
          fieldError("passcode", msg("wrong-passcode").replace("{n}", String(answer.remainingAttempts)));
          byId("shl-passcode").value = "";
        });
      }
      if (response.status === 404) { problem(msg("stopped")); return null; }
      if (response.status === 429) { fieldError("recipient", msg("too-many")); return null; }
      if (!response.ok) { throw new Error("manifest " + response.status); }
      return response.json().then(function (manifest) {
        return Promise.all((manifest.files || []).map(function (file) { return fileText(file, payload.key); }));
      }).then(function (files) {
        var record = files.filter(function (f) { return f.type === "application/fhir+json"; })[0];
        var card = files.filter(function (f) { return f.type === "application/smart-health-card"; })[0];
        if (!record) { throw new Error("no FHIR record"); }
        var name = render(JSON.parse(record.text), card, payload.key);
        byId("shl-result-lede").textContent = [name, byId("shl-ends").textContent].filter(Boolean).join(". ");
        offerDownload("shl-download-fhir", record.text, "application/fhir+json");
        if (card) { offerDownload("shl-download-card", card.text, "application/smart-health-card"); }
        form.hidden = true;
        byId("shl-result").hidden = false;
        byId("shl-heading").setAttribute("tabindex", "-1");
        byId("shl-heading").focus();
      });
    }).catch(function () {
      fieldError("recipient", msg("failed"));
    }).then(function () { button.disabled = false; });
  });
})();
