/*!
 * Hypertrophy Coach chat widget.
 *
 * Plain JavaScript, no framework, no build step. Embed it on any page with
 *
 *   <script src="http://HOST:5005/widget.js" data-server="http://HOST:5005"></script>
 *
 * Options (attributes on the <script> tag):
 *   data-server  base URL of the coach server (default: the script's own origin)
 *   data-open    "true" to start with the chat panel open
 *
 * Security: every piece of user or server text is inserted with textContent /
 * createTextNode. This file never assigns innerHTML.
 */
(function () {
  "use strict";

  if (window.__hypertrophyCoachWidget) return; // loaded twice: keep the first one
  window.__hypertrophyCoachWidget = true;

  // ---------------------------------------------------------------- config
  var script =
    document.currentScript ||
    (function () {
      var all = document.querySelectorAll('script[src*="widget.js"]');
      return all.length ? all[all.length - 1] : null;
    })();

  function attr(name) {
    return script ? script.getAttribute(name) : null;
  }

  var scriptUrl = script && script.src ? script.src : window.location.href;
  var scriptOrigin;
  try {
    scriptOrigin = new URL(scriptUrl, window.location.href).origin;
  } catch (e) {
    scriptOrigin = window.location.origin;
  }
  var SERVER = (attr("data-server") || scriptOrigin).replace(/\/+$/, "");
  var START_OPEN = /^(true|1|yes|open)$/i.test(attr("data-open") || "");
  var REQUEST_TIMEOUT_MS = 30000;
  var STORE_PREFIX = "hypertrophy-coach:" + SERVER + ":";
  var MAX_STORED_ITEMS = 300;
  var MAX_MESSAGE_CHARS = 2000; // the server refuses longer messages (413)
  var COUNTER_FROM = 1800; // show the character counter from here

  var TEXT = {
    title: "Hypertrophy Coach",
    subtitle: "Evidence-based muscle-building answers",
    welcome:
      "Hi! I answer questions about training for muscle growth \u2014 sets, reps, rest, " +
      "exercise form \u2014 and I can build you a dumbbell-friendly plan. What would you like to know?",
    suggestions: [
      "How long should I rest between sets?",
      "How do I do a dumbbell row?",
      "Make me a workout plan",
    ],
    placeholder: "Ask about training for size\u2026",
    networkError: "Couldn\u2019t reach the coach. Check your connection and try again.",
    serverError: "The coach ran into a problem answering that. Please try again.",
    clientError: "That message couldn\u2019t be sent.",
  };

  // ---------------------------------------------------------------- storage
  var memoryStore = {};
  var store = {
    get: function (key) {
      try {
        var v = window.localStorage.getItem(STORE_PREFIX + key);
        return v === null ? null : v;
      } catch (e) {
        return Object.prototype.hasOwnProperty.call(memoryStore, key) ? memoryStore[key] : null;
      }
    },
    set: function (key, value) {
      memoryStore[key] = value;
      try {
        window.localStorage.setItem(STORE_PREFIX + key, value);
      } catch (e) {
        /* storage full or blocked: the in-memory copy still works */
      }
    },
    remove: function (key) {
      delete memoryStore[key];
      try {
        window.localStorage.removeItem(STORE_PREFIX + key);
      } catch (e) {
        /* ignore */
      }
    },
  };

  function uuid4() {
    var c = window.crypto || window.msCrypto;
    if (c && typeof c.randomUUID === "function") {
      try {
        return c.randomUUID();
      } catch (e) {
        /* insecure context: fall through */
      }
    }
    var bytes = new Uint8Array(16);
    if (c && typeof c.getRandomValues === "function") {
      c.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = [];
    for (var j = 0; j < 16; j++) hex.push((bytes[j] + 0x100).toString(16).slice(1));
    return (
      hex.slice(0, 4).join("") + "-" + hex.slice(4, 6).join("") + "-" + hex.slice(6, 8).join("") +
      "-" + hex.slice(8, 10).join("") + "-" + hex.slice(10, 16).join("")
    );
  }

  function loadSender() {
    var id = store.get("sender");
    if (!id) {
      id = uuid4();
      store.set("sender", id);
    }
    return id;
  }

  function loadLocalTranscript() {
    try {
      var items = JSON.parse(store.get("transcript") || "[]");
      return Array.isArray(items) ? items : [];
    } catch (e) {
      return [];
    }
  }

  function saveLocalTranscript() {
    var items = state.transcript.slice(-MAX_STORED_ITEMS);
    store.set("transcript", JSON.stringify(items));
  }

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "class") node.className = value;
        else if (key === "text") node.textContent = String(value);
        else node.setAttribute(key, value === true ? "" : String(value));
      });
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    if (children === null || children === undefined) return node;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";
  // Static icon geometry (never data from the server).
  var ICONS = {
    chat: ["M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.5 4v-4A2.5 2.5 0 0 1 3 13.5v-8z"],
    close: ["M6 6l12 12", "M18 6L6 18"],
    send: ["M4 12l16-8-6 16-2.5-6.5z", "M11.5 13.5L20 4"],
    refresh: ["M20 11a8 8 0 1 0-2.3 5.7", "M20 4v7h-7"],
    compose: ["M11 4.5H6.5A2.5 2.5 0 0 0 4 7v10.5A2.5 2.5 0 0 0 6.5 20H17a2.5 2.5 0 0 0 2.5-2.5V13", "M17.5 3.5l3 3L13 14l-4 1 1-4z"],
    info: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z", "M12 11v6", "M12 7.5v.5"],
    warning: ["M12 3.5l9.5 16.5h-19z", "M12 10v4.5", "M12 17.5v.5"],
    download: ["M12 4v11", "M7 10.5l5 5 5-5", "M5 20h14"],
  };

  function icon(name, className) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "hc-icon" + (className ? " " + className : ""));
    ICONS[name].forEach(function (d) {
      var path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", d);
      svg.appendChild(path);
    });
    return svg;
  }

  /** Text with http(s) URLs turned into links; everything goes through text nodes. */
  function richText(text) {
    var frag = document.createDocumentFragment();
    var str = String(text);
    var re = /https?:\/\/[^\s<>"')\]]+/g;
    var last = 0;
    var m;
    while ((m = re.exec(str)) !== null) {
      var url = m[0].replace(/[.,;:!?]+$/, "");
      if (m.index > last) frag.appendChild(document.createTextNode(str.slice(last, m.index)));
      var a = document.createElement("a");
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.textContent = url;
      frag.appendChild(a);
      last = m.index + url.length;
      re.lastIndex = last;
    }
    if (last < str.length) frag.appendChild(document.createTextNode(str.slice(last)));
    return frag;
  }

  function isNonEmptyString(v) {
    return typeof v === "string" && v.trim() !== "";
  }

  function asText(v) {
    return v === null || v === undefined ? "" : String(v);
  }

  /** Non-empty strings of a list, first occurrence only. */
  function unique(list) {
    var seen = {};
    var out = [];
    (Array.isArray(list) ? list : []).forEach(function (item) {
      var s = asText(item).trim();
      if (s && !Object.prototype.hasOwnProperty.call(seen, s)) {
        seen[s] = true;
        out.push(s);
      }
    });
    return out;
  }

  // ---------------------------------------------------------------- state
  var state = {
    sender: loadSender(),
    transcript: [], // [{role: "user"|"bot", text, buttons?, custom?}]
    busy: false,
    open: false,
    restoring: false,
  };

  var ui = {};

  // ---------------------------------------------------------------- plan: one document, two renderings
  // Everything about a plan comes from its `custom` payload ({kind: "plan", plan, intro, closing});
  // the message's text is never read. planDocument() is the single description of a plan; the
  // card (renderPlan) and the Markdown download (planMarkdown) only lay it out.
  var EQUIPMENT_LABELS = {
    dumbbells: "Dumbbells",
    bodyweight_dumbbells: "Bodyweight + dumbbells",
    full_gym: "Full gym",
  };

  function scalar(v) {
    return (typeof v === "string" && v.trim() !== "") || (typeof v === "number" && isFinite(v));
  }

  function capitalise(s) {
    s = asText(s);
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  /** How much of an exercise: ["3 sets of 6-12 reps", "rest 60-90 s"]. */
  function exerciseDose(ex) {
    var parts = [];
    var sets = asText(ex.sets);
    var reps = asText(ex.reps);
    if (sets && reps) parts.push(sets + " sets of " + reps + " reps");
    else if (sets) parts.push(sets + " sets");
    else if (reps) parts.push(reps + " reps");
    if (asText(ex.rest)) parts.push("rest " + asText(ex.rest));
    return parts;
  }

  function planFacts(plan) {
    var facts = [];
    if (scalar(plan.experience)) facts.push(capitalise(plan.experience));
    if (scalar(plan.goal)) facts.push("Goal: " + asText(plan.goal).replace(/_/g, " "));
    if (scalar(plan.days_per_week)) facts.push(asText(plan.days_per_week) + " days/week");
    if (scalar(plan.equipment)) {
      var eq = asText(plan.equipment);
      facts.push(Object.prototype.hasOwnProperty.call(EQUIPMENT_LABELS, eq) ? EQUIPMENT_LABELS[eq] : capitalise(eq.replace(/_/g, " ")));
    }
    // the coach's estimate of what the sets take at the stated rest (not the minutes the person gave)
    if (scalar(plan.minutes_per_session)) facts.push("About " + asText(plan.minutes_per_session) + " min a session (estimate)");
    if (scalar(plan.weekly_sets)) facts.push(asText(plan.weekly_sets) + " sets/week");
    return facts;
  }

  /** The plan of a `plan` payload as an ordered document: intro, title, facts, days, notes, sources, closing. */
  function planDocument(custom) {
    custom = custom && typeof custom === "object" ? custom : {};
    // also accept a bare plan object ({title, days, ...})
    var plan = custom.plan && typeof custom.plan === "object" ? custom.plan : Array.isArray(custom.days) ? custom : {};
    var days = Array.isArray(plan.days) ? plan.days : [];
    return {
      intro: asText(custom.intro).trim(),
      title: asText(plan.title).trim() || "Your training plan",
      facts: planFacts(plan),
      days: days.map(function (day, i) {
        day = day && typeof day === "object" ? day : {};
        return {
          name: asText(day.name).trim() || "Day " + (i + 1),
          exercises: (Array.isArray(day.exercises) ? day.exercises : []).map(function (ex) {
            ex = ex && typeof ex === "object" ? ex : {};
            var name = asText(ex.name).trim() || "Exercise";
            var dose = exerciseDose(ex);
            return { name: name, dose: dose, line: dose.length ? name + ": " + dose.join(", ") : name, note: asText(ex.note).trim() };
          }),
        };
      }),
      notes: unique(plan.notes),
      sources: unique(plan.sources),
      closing: asText(custom.closing).trim(),
    };
  }

  function planMarkdown(doc) {
    var lines = ["# " + doc.title, ""];
    if (doc.intro) lines.push(doc.intro, "");
    if (doc.facts.length) lines.push(doc.facts.join(" \u00b7 "), "");
    doc.days.forEach(function (day) {
      lines.push("## " + day.name, "");
      day.exercises.forEach(function (ex) {
        lines.push("- " + ex.line + (ex.note ? " \u2014 " + ex.note : ""));
      });
      lines.push("");
    });
    [["Notes", doc.notes], ["Sources", doc.sources]].forEach(function (section) {
      if (!section[1].length) return;
      lines.push("## " + section[0], "");
      section[1].forEach(function (item) {
        lines.push("- " + item);
      });
      lines.push("");
    });
    if (doc.closing) lines.push(doc.closing, "");
    lines.push("_Generated by Hypertrophy Coach. General information, not medical advice._", "");
    return lines.join("\n");
  }

  /** Markdown of a plan payload ({plan, intro, closing}) or of a bare plan object. */
  function planToMarkdown(custom) {
    return planMarkdown(planDocument(custom));
  }

  function slugify(s) {
    var slug = asText(s)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60);
    return slug || "hypertrophy-plan";
  }

  /** Offer a blob as a file download. */
  function saveBlob(blob, filename) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = filename;
    a.style.display = "none";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () {
      URL.revokeObjectURL(url);
      if (a.parentNode) a.parentNode.removeChild(a);
    }, 2000);
  }

  function downloadPlan(doc) {
    saveBlob(new Blob([planMarkdown(doc)], { type: "text/markdown;charset=utf-8" }), slugify(doc.title) + ".md");
  }

  // ---------------------------------------------------------------- message rendering
  function labelRow(iconName, label) {
    return el("div", { class: "hc-label" }, [icon(iconName), el("span", { text: label })]);
  }

  function listSection(className, heading, items) {
    var section = el("div", { class: className }, [el("p", { class: "hc-plan-subhead", text: heading })]);
    var ul = el("ul");
    items.forEach(function (item) {
      ul.appendChild(el("li", null, richText(item)));
    });
    section.appendChild(ul);
    return section;
  }

  /** An exercise's steps card, from the `steps` payload only. */
  function renderSteps(custom) {
    var wrap = el("div", { class: "hc-steps" });
    if (isNonEmptyString(custom.intro)) wrap.appendChild(el("div", { class: "hc-text hc-steps-intro" }, richText(custom.intro.trim())));
    if (isNonEmptyString(custom.name)) wrap.appendChild(el("h3", { class: "hc-steps-title", text: custom.name.trim() }));
    var meta = [];
    if (scalar(custom.sets)) meta.push(["Sets", custom.sets]);
    if (scalar(custom.reps)) meta.push(["Reps", custom.reps]);
    if (scalar(custom.rest)) meta.push(["Rest", custom.rest]);
    if (meta.length) {
      var dl = el("dl", { class: "hc-meta" });
      meta.forEach(function (pair) {
        dl.appendChild(el("div", { class: "hc-meta-item" }, [el("dt", { text: pair[0] }), el("dd", { text: asText(pair[1]) })]));
      });
      wrap.appendChild(dl);
    }
    var ol = el("ol", { class: "hc-step-list" });
    custom.steps.forEach(function (step) {
      ol.appendChild(el("li", { text: asText(step) }));
    });
    wrap.appendChild(ol);
    var cautions = unique(custom.cautions);
    if (cautions.length) {
      var box = el("div", { class: "hc-cautions" }, [labelRow("warning", "Cautions")]);
      var ul = el("ul");
      cautions.forEach(function (c) {
        ul.appendChild(el("li", { text: c }));
      });
      box.appendChild(ul);
      wrap.appendChild(box);
    }
    return wrap;
  }

  /** A plan card, from the `plan` payload only (the same document the download is made of). */
  function renderPlan(custom) {
    var doc = planDocument(custom);
    var wrap = el("div", { class: "hc-plan" });
    if (doc.intro) wrap.appendChild(el("div", { class: "hc-text hc-plan-intro" }, richText(doc.intro)));
    wrap.appendChild(el("h3", { class: "hc-plan-title", text: doc.title }));
    if (doc.facts.length) {
      var factList = el("ul", { class: "hc-plan-facts", "aria-label": "Plan details" });
      doc.facts.forEach(function (f) {
        factList.appendChild(el("li", { text: f }));
      });
      wrap.appendChild(factList);
    }
    doc.days.forEach(function (day) {
      var section = el("section", { class: "hc-plan-day" });
      section.appendChild(el("h4", { class: "hc-plan-day-name", text: day.name }));
      var ul = el("ul", { class: "hc-plan-exercises" });
      day.exercises.forEach(function (ex) {
        // the same words as ex.line, with each dose kept on one line ("6-12" never breaks at its dash)
        var line = el("span", { class: "hc-ex-line" }, ex.name + (ex.dose.length ? ": " : ""));
        ex.dose.forEach(function (part, k) {
          append(line, [k ? ", " : null, el("span", { class: "hc-nowrap", text: part })]);
        });
        var li = el("li", { class: "hc-plan-exercise" }, [line]);
        if (ex.note) li.appendChild(el("span", { class: "hc-ex-note", text: ex.note }));
        ul.appendChild(li);
      });
      section.appendChild(ul);
      wrap.appendChild(section);
    });
    if (doc.notes.length) wrap.appendChild(listSection("hc-plan-notes", "Notes", doc.notes));
    if (doc.sources.length) wrap.appendChild(listSection("hc-plan-sources", "Sources", doc.sources));
    if (doc.closing) wrap.appendChild(el("div", { class: "hc-text hc-plan-closing" }, richText(doc.closing)));
    var actions = el("div", { class: "hc-plan-actions" });
    var btn = el("button", { type: "button", class: "hc-download" }, [icon("download"), el("span", { text: "Download plan (Markdown)" })]);
    btn.addEventListener("click", function () {
      downloadPlan(doc);
    });
    var print = el("button", { type: "button", class: "hc-download hc-print" }, [icon("download"), el("span", { text: "Print or save as PDF" })]);
    print.addEventListener("click", function () {
      printPlan(wrap);
    });
    var ics = el("button", { type: "button", class: "hc-download hc-ics" }, [icon("download"), el("span", { text: "Add to calendar (.ics)" })]);
    ics.addEventListener("click", function () {
      downloadCalendar(custom.plan || custom, doc.title, ics);
    });
    append(actions, [btn, print, ics]);
    wrap.appendChild(actions);
    return wrap;
  }

  /** Print just this plan card (the print stylesheet hides the rest), so "Save as PDF" works. */
  function printPlan(card) {
    var root = document.documentElement;
    card.classList.add("hc-print-target");
    root.classList.add("hc-printing");
    var done = function () {
      card.classList.remove("hc-print-target");
      root.classList.remove("hc-printing");
      window.removeEventListener("afterprint", done);
    };
    window.addEventListener("afterprint", done);
    window.print();
  }

  /** The plan's training days as an iCalendar file, made by the server (POST /plan.ics). */
  function downloadCalendar(plan, title, button) {
    button.disabled = true;
    fetch(SERVER + "/plan.ics", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ plan: plan })
    })
      .then(function (res) {
        if (!res.ok) throw new Error("HTTP " + res.status);
        return res.blob();
      })
      .then(function (blob) {
        saveBlob(blob, slugify(title) + ".ics");
      })
      .catch(function () {
        button.appendChild(el("span", { class: "hc-sr-only", text: " (could not make the calendar file, please try again)" }));
      })
      .then(function () {
        button.disabled = false;
      });
  }

  var SAFETY_LABELS = {
    crisis: ["info", "Support"],
    emergency: ["warning", "Emergency"],
    urgent: ["warning", "See a doctor today"],
    hold_off: ["warning", "Safety"],
    none: ["info", "Good to know"],
  };

  /** Build the bubble for one bot message ({text, buttons, custom}). */
  function renderBotMessage(msg, opts) {
    opts = opts || {};
    var custom = msg.custom && typeof msg.custom === "object" ? msg.custom : null;
    var kind = custom && typeof custom.kind === "string" ? custom.kind : "";
    var text = asText(msg.text);
    var row = el("div", { class: "hc-msg hc-msg--bot" });
    var bubble = el("div", { class: "hc-bubble" });
    row.appendChild(bubble);

    if (kind === "steps" && Array.isArray(custom.steps) && custom.steps.length) {
      row.classList.add("hc-kind-steps");
      bubble.appendChild(renderSteps(custom));
    } else if (kind === "plan" && custom.plan && typeof custom.plan === "object") {
      row.classList.add("hc-kind-plan");
      bubble.appendChild(renderPlan(custom));
    } else if (kind === "safety") {
      // the label says what kind of safety message it is (custom.tier); the text is shown as sent
      var tier = isNonEmptyString(custom.tier) && Object.prototype.hasOwnProperty.call(SAFETY_LABELS, custom.tier) ? custom.tier : "hold_off";
      var label = SAFETY_LABELS[tier];
      row.classList.add("hc-kind-safety");
      row.setAttribute("data-tier", tier);
      bubble.appendChild(labelRow(label[0], label[1]));
      if (text) bubble.appendChild(el("div", { class: "hc-text" }, richText(text)));
    } else if (kind === "disclaimer" && text) {
      // a note: set apart by its style and icon; the text is shown as sent
      row.classList.add("hc-kind-disclaimer");
      if (isNonEmptyString(custom.category)) row.setAttribute("data-category", custom.category);
      bubble.appendChild(el("div", { class: "hc-note" }, [icon("info", "hc-note-icon"), el("div", { class: "hc-text" }, richText(text))]));
    } else if (text) {
      if (kind) row.classList.add("hc-kind-" + kind.replace(/[^a-z0-9_-]/gi, ""));
      bubble.appendChild(el("div", { class: "hc-text" }, richText(text)));
    } else {
      return null; // nothing to show (e.g. an unknown custom payload without text)
    }

    var buttons = Array.isArray(msg.buttons) ? msg.buttons : [];
    if (buttons.length) row.appendChild(renderQuickReplies(buttons, !!opts.disabled));
    return row;
  }

  function renderQuickReplies(buttons, disabled) {
    var group = el("div", { class: "hc-quick-replies", role: "group", "aria-label": "Suggested replies" });
    buttons.forEach(function (b) {
      if (!b || typeof b !== "object") return;
      var title = asText(b.title !== undefined && b.title !== null ? b.title : b.payload);
      var payload = asText(b.payload !== undefined && b.payload !== null ? b.payload : b.title);
      if (!title || !payload) return;
      var btn = el("button", { type: "button", class: "hc-quick-reply", text: title });
      btn.disabled = disabled;
      btn.addEventListener("click", function () {
        if (btn.disabled || state.busy || state.restoring) return;
        btn.classList.add("hc-quick-reply--chosen");
        send(payload, title);
        // the clicked button is now disabled; keep keyboard users in the conversation
        if (ui.input) ui.input.focus();
      });
      group.appendChild(btn);
    });
    return group;
  }

  function renderUserMessage(text) {
    return el("div", { class: "hc-msg hc-msg--user" }, [el("div", { class: "hc-bubble" }, [el("div", { class: "hc-text", text: text })])]);
  }

  function disableQuickReplies() {
    var buttons = ui.log.querySelectorAll(".hc-quick-reply");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
  }

  function scrollToBottom() {
    ui.body.scrollTop = ui.body.scrollHeight;
  }

  /** Offset of `node`'s top inside the scrolling body. */
  function offsetInBody(node) {
    return node.getBoundingClientRect().top - ui.body.getBoundingClientRect().top + ui.body.scrollTop;
  }

  /**
   * After an exchange: when the question and the reply fit, show them all (the bottom); when the
   * reply is long, show its start, with the person's question above it whenever that fits too.
   */
  function scrollToExchange(question, firstReply) {
    var anchor = firstReply || question;
    if (!anchor) return scrollToBottom();
    var view = ui.body.clientHeight;
    var replyTop = offsetInBody(anchor);
    var top = replyTop;
    if (question && question !== anchor) {
      var questionTop = offsetInBody(question);
      // keep the question in view unless that would push the reply's start down by over a third
      if (replyTop - questionTop < view / 3) top = questionTop;
    }
    top = Math.max(0, top - 12);
    if (ui.body.scrollHeight - top <= view) scrollToBottom();
    else ui.body.scrollTop = top;
  }

  /** The latest exchange: the last question of the person and the first reply after it. */
  function scrollToLatest() {
    var rows = ui.log.children;
    for (var i = rows.length - 1; i >= 0; i--) {
      if (rows[i].classList.contains("hc-msg--user")) {
        var next = rows[i].nextElementSibling;
        return scrollToExchange(rows[i], next);
      }
    }
    scrollToBottom();
  }

  // ---------------------------------------------------------------- typing / errors / busy
  function setBusy(busy) {
    state.busy = busy;
    ui.root.setAttribute("data-busy", busy ? "true" : "false");
    ui.send.disabled = busy;
    ui.log.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function showTyping(show) {
    ui.typing.hidden = !show;
    if (show) scrollToBottom();
  }

  function clearError() {
    while (ui.error.firstChild) ui.error.removeChild(ui.error.firstChild);
    ui.error.hidden = true;
  }

  function showError(message, onRetry) {
    clearError();
    ui.error.appendChild(el("span", { class: "hc-error-text", text: message }));
    if (onRetry) {
      var retry = el("button", { type: "button", class: "hc-retry" }, [icon("refresh"), el("span", { text: "Retry" })]);
      retry.addEventListener("click", function () {
        if (state.busy) return;
        clearError();
        onRetry();
        ui.input.focus();
      });
      ui.error.appendChild(retry);
    }
    ui.error.hidden = false;
    scrollToBottom();
  }

  // ---------------------------------------------------------------- networking
  function HttpError(status, body) {
    this.status = status;
    this.body = body;
  }

  function request(method, path, body) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller
      ? setTimeout(function () {
          controller.abort();
        }, REQUEST_TIMEOUT_MS)
      : null;
    var init = { method: method, headers: { Accept: "application/json" }, mode: "cors", credentials: "omit" };
    if (controller) init.signal = controller.signal;
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(SERVER + path, init)
      .then(function (res) {
        return res.text().then(function (raw) {
          var data = null;
          try {
            data = raw ? JSON.parse(raw) : null;
          } catch (e) {
            data = null;
          }
          if (!res.ok) throw new HttpError(res.status, data);
          return data;
        });
      })
      .finally(function () {
        if (timer) clearTimeout(timer);
      });
  }

  function isRetryable(err) {
    if (!(err instanceof HttpError)) return true; // network error, timeout, CORS failure
    return err.status >= 500 || err.status === 429 || err.status === 408;
  }

  // ---------------------------------------------------------------- conversation
  function addBotMessages(messages, disabled) {
    var first = null;
    (messages || []).forEach(function (m) {
      if (!m || typeof m !== "object") return;
      var row = renderBotMessage(m, { disabled: disabled });
      if (!row) return;
      ui.log.appendChild(row);
      if (!first) first = row;
    });
    return first;
  }

  function normaliseBotMessage(m) {
    var out = { role: "bot", text: m && m.text !== undefined && m.text !== null ? String(m.text) : "" };
    if (m && Array.isArray(m.buttons) && m.buttons.length) out.buttons = m.buttons;
    if (m && m.custom && typeof m.custom === "object") out.custom = m.custom;
    return out;
  }

  /** Characters as the server counts them (code points), of what would be sent. */
  function messageLength(text) {
    return Array.from(asText(text).trim()).length;
  }

  function formatCount(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  /** Show the character counter near the limit; clear the refusal once the text fits again. */
  function updateCounter() {
    var n = messageLength(ui.input.value);
    var over = n > MAX_MESSAGE_CHARS;
    ui.counter.hidden = n < COUNTER_FROM;
    ui.counter.classList.toggle("hc-counter--over", over);
    ui.counterText.textContent = formatCount(n) + " / " + formatCount(MAX_MESSAGE_CHARS);
    ui.counterHint.textContent = over
      ? " characters, " + formatCount(n - MAX_MESSAGE_CHARS) + " over the limit"
      : " characters";
    if (over) ui.input.setAttribute("aria-invalid", "true");
    else {
      ui.input.removeAttribute("aria-invalid");
      clearLimitMessage();
    }
  }

  function clearLimitMessage() {
    ui.limit.textContent = "";
    ui.limit.hidden = true;
  }

  /** Refuse a message over the limit, saying by how much; the text stays in the input. */
  function refuseTooLong(n) {
    ui.limit.textContent =
      "Too long to send: " + formatCount(n) + " characters, and the limit is " + formatCount(MAX_MESSAGE_CHARS) +
      ". Please shorten it by " + formatCount(n - MAX_MESSAGE_CHARS) + ".";
    ui.limit.hidden = false;
    ui.input.setAttribute("aria-invalid", "true");
  }

  /** Send `text` to the server; `display` is what the person sees in their bubble. */
  function send(text, display) {
    if (state.busy || state.restoring) return;
    text = asText(text).trim();
    if (!text) return;
    if (messageLength(text) > MAX_MESSAGE_CHARS) return; // never truncated; the form refuses it first
    display = asText(display || text);
    closeConfirm(false);
    clearError();
    disableQuickReplies();
    var bubble = renderUserMessage(display);
    ui.log.appendChild(bubble);
    scrollToBottom();
    deliver(text, display, bubble, newMessageId());
  }

  /** An id for one message: a retry sends the same id, so the server never answers it twice. */
  function newMessageId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function deliver(text, display, bubble, messageId) {
    setBusy(true);
    showTyping(true);
    bubble.classList.remove("hc-msg--failed");
    request("POST", "/webhooks/rest/webhook", {
      sender: state.sender,
      message: text,
      metadata: {},
      message_id: messageId,
    })
      .then(function (data) {
        showTyping(false);
        var messages = Array.isArray(data) ? data.map(normaliseBotMessage) : [];
        state.transcript.push({ role: "user", text: display, payload: text });
        messages.forEach(function (m) {
          state.transcript.push(m);
        });
        saveLocalTranscript();
        var first = addBotMessages(messages, false);
        scrollToExchange(bubble, first);
      })
      .catch(function (err) {
        showTyping(false);
        bubble.classList.add("hc-msg--failed");
        if (isRetryable(err)) {
          var msg = err instanceof HttpError ? TEXT.serverError : TEXT.networkError;
          showError(msg, function () {
            deliver(text, display, bubble, messageId);
          });
        } else {
          var detail = err.body && isNonEmptyString(err.body.error) ? err.body.error : "";
          if (err.status === 413) detail = "It is too long; please shorten it and send it again.";
          showError(TEXT.clientError + (detail ? " " + detail.charAt(0).toUpperCase() + detail.slice(1) : ""), null);
          // Give the person their words back so they can edit and resend.
          if (display === text && !ui.input.value) {
            ui.input.value = text;
            updateCounter();
            if (bubble.parentNode) bubble.parentNode.removeChild(bubble);
            ui.input.focus();
          }
        }
      })
      .finally(function () {
        setBusy(false);
      });
  }

  /** Turn tracker events into transcript items (user and bot events, in order). */
  function eventsToTranscript(events) {
    var items = [];
    var recentButtons = [];
    (events || []).forEach(function (ev) {
      if (!ev || typeof ev !== "object") return;
      if (ev.event === "user") {
        var text = asText(ev.text);
        var display = text;
        var meta = ev.metadata && typeof ev.metadata === "object" ? ev.metadata : null;
        if (meta && isNonEmptyString(meta.display_text)) display = meta.display_text;
        else {
          for (var i = recentButtons.length - 1; i >= 0; i--) {
            if (asText(recentButtons[i].payload) === text && asText(recentButtons[i].title)) {
              display = asText(recentButtons[i].title);
              break;
            }
          }
        }
        recentButtons = [];
        if (text) items.push({ role: "user", text: display, payload: text });
      } else if (ev.event === "bot") {
        var data = ev.data && typeof ev.data === "object" ? ev.data : {};
        var m = normaliseBotMessage({ text: ev.text, buttons: data.buttons, custom: data.custom });
        if (m.buttons) recentButtons = recentButtons.concat(m.buttons);
        if (m.text || m.custom) items.push(m);
      }
    });
    return items;
  }

  function renderTranscript(items) {
    // Quick replies stay usable only after the last user turn.
    var lastUser = -1;
    items.forEach(function (it, i) {
      if (it.role === "user") lastUser = i;
    });
    items.forEach(function (it, i) {
      if (it.role === "user") {
        ui.log.appendChild(renderUserMessage(asText(it.text)));
      } else {
        addBotMessages([it], i < lastUser);
      }
    });
    if (items.length) {
      // the welcome suggestions belong to the start of the conversation
      var welcome = ui.log.querySelectorAll(".hc-msg--welcome .hc-quick-reply");
      for (var k = 0; k < welcome.length; k++) welcome[k].disabled = true;
    }
  }

  function renderWelcome() {
    var row = el("div", { class: "hc-msg hc-msg--bot hc-msg--welcome" }, [
      el("div", { class: "hc-bubble" }, [el("div", { class: "hc-text", text: TEXT.welcome })]),
    ]);
    row.appendChild(
      renderQuickReplies(
        TEXT.suggestions.map(function (s) {
          return { title: s, payload: s };
        }),
        false
      )
    );
    ui.log.appendChild(row);
  }

  function restore() {
    state.restoring = true;
    ui.root.setAttribute("data-restored", "false");
    var local = loadLocalTranscript();
    return request("GET", "/conversations/" + encodeURIComponent(state.sender) + "/tracker")
      .then(
        function (tracker) {
          var items = eventsToTranscript(tracker && tracker.events);
          return items.length ? items : local;
        },
        function () {
          return local; // server unreachable: fall back to the local copy
        }
      )
      .then(function (items) {
        state.transcript = items.slice();
        renderTranscript(items);
        state.restoring = false;
        ui.root.setAttribute("data-restored", "true");
        scrollToLatest();
      });
  }

  /** The new-conversation button: ask first when there is something to lose. */
  function askNewConversation() {
    if (state.busy || state.restoring) return;
    if (!state.transcript.length) {
      newConversation();
      return;
    }
    ui.confirm.hidden = false;
    ui.newBtn.setAttribute("aria-expanded", "true");
    ui.confirmNo.focus(); // the safe choice first
  }

  function closeConfirm(moveFocus) {
    if (ui.confirm.hidden) return;
    ui.confirm.hidden = true;
    ui.newBtn.setAttribute("aria-expanded", "false");
    if (moveFocus) ui.newBtn.focus();
  }

  function newConversation() {
    if (state.busy) return;
    closeConfirm(false);
    state.sender = uuid4();
    store.set("sender", state.sender);
    store.remove("transcript");
    state.transcript = [];
    clearError();
    while (ui.log.firstChild) ui.log.removeChild(ui.log.firstChild);
    renderWelcome();
    ui.input.value = "";
    updateCounter();
    ui.body.scrollTop = 0;
    ui.input.focus();
  }

  // ---------------------------------------------------------------- open / close
  function setOpen(open, moveFocus) {
    state.open = open;
    ui.panel.hidden = !open;
    ui.root.classList.toggle("hc-open", open);
    ui.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    ui.launcher.setAttribute("aria-label", open ? "Close Hypertrophy Coach chat" : "Open Hypertrophy Coach chat");
    ui.launcherIconOpen.style.display = open ? "none" : "";
    ui.launcherIconClose.style.display = open ? "" : "none";
    if (moveFocus) {
      if (open) {
        ui.input.focus();
        scrollToLatest();
      } else {
        ui.launcher.focus();
      }
    }
  }

  // ---------------------------------------------------------------- build
  function ensureStylesheet(root) {
    var href = SERVER + "/widget.css";
    var abs;
    try {
      abs = new URL(href, window.location.href).href;
    } catch (e) {
      abs = href;
    }
    var links = document.querySelectorAll('link[rel~="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      if (links[i].href === abs) return;
    }
    // Hide the widget until its stylesheet arrives so the page never shows it unstyled.
    root.style.visibility = "hidden";
    var link = el("link", { rel: "stylesheet", href: href, "data-hc-widget": "true" });
    var reveal = function () {
      root.style.visibility = "";
    };
    link.addEventListener("load", reveal);
    link.addEventListener("error", reveal);
    setTimeout(reveal, 4000);
    (document.head || document.documentElement).appendChild(link);
  }

  function build() {
    var uid = "hc-" + Math.random().toString(36).slice(2, 8);
    var root = el("div", { class: "hc-root hc-initial", "data-busy": "false", "data-restored": "false" });

    var launcherIconOpen = icon("chat", "hc-launcher-icon");
    var launcherIconClose = icon("close", "hc-launcher-icon");
    var launcher = el("button", {
      type: "button",
      class: "hc-launcher",
      "aria-controls": uid + "-panel",
      "aria-expanded": "false",
      "aria-label": "Open Hypertrophy Coach chat",
    }, [launcherIconOpen, launcherIconClose]);

    var newBtn = el("button", {
      type: "button",
      class: "hc-icon-btn hc-new",
      "aria-label": "New conversation",
      title: "New conversation",
      "aria-controls": uid + "-confirm",
      "aria-expanded": "false",
    }, [icon("compose")]);
    var closeBtn = el("button", { type: "button", class: "hc-icon-btn hc-close", "aria-label": "Close chat", title: "Close chat" }, [icon("close")]);

    var header = el("div", { class: "hc-header" }, [
      el("div", { class: "hc-avatar", "aria-hidden": "true", text: "HC" }),
      el("div", { class: "hc-titles" }, [
        el("h2", { class: "hc-title", id: uid + "-title", text: TEXT.title }),
        el("p", { class: "hc-subtitle", text: TEXT.subtitle }),
      ]),
      el("div", { class: "hc-header-actions" }, [newBtn, closeBtn]),
    ]);

    // asked before a new conversation erases this one (an inline question, not window.confirm)
    var confirmYes = el("button", { type: "button", class: "hc-confirm-btn hc-confirm-yes", text: "Clear chat" });
    var confirmNo = el("button", { type: "button", class: "hc-confirm-btn hc-confirm-no", text: "Keep chatting" });
    var confirm = el("div", {
      class: "hc-confirm",
      id: uid + "-confirm",
      role: "alertdialog",
      "aria-modal": "false",
      "aria-labelledby": uid + "-confirm-title",
      "aria-describedby": uid + "-confirm-desc",
    }, [
      el("p", { class: "hc-confirm-title", id: uid + "-confirm-title", text: "Start a new conversation?" }),
      el("p", { class: "hc-confirm-desc", id: uid + "-confirm-desc", text: "This clears the chat and any plan in it. It can\u2019t be undone." }),
      el("div", { class: "hc-confirm-actions" }, [confirmNo, confirmYes]),
    ]);
    confirm.hidden = true;

    var log = el("div", { class: "hc-log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "Conversation" });
    var typing = el("div", { class: "hc-msg hc-msg--bot hc-typing", role: "status" }, [
      el("div", { class: "hc-bubble" }, [
        el("span", { class: "hc-dot", "aria-hidden": "true" }),
        el("span", { class: "hc-dot", "aria-hidden": "true" }),
        el("span", { class: "hc-dot", "aria-hidden": "true" }),
        el("span", { class: "hc-sr-only", text: "Coach is typing\u2026" }),
      ]),
    ]);
    typing.hidden = true;
    var error = el("div", { class: "hc-error", role: "alert" });
    error.hidden = true;
    // the scrolling transcript: focusable so it can be scrolled by keyboard even with no button in it
    var body = el("div", { class: "hc-body", tabindex: "0", role: "group", "aria-label": "Chat transcript" }, [log, typing, error]);

    var inputId = uid + "-input";
    var input = el("input", {
      id: inputId,
      class: "hc-input",
      type: "text",
      autocomplete: "off",
      placeholder: TEXT.placeholder,
      enterkeyhint: "send",
      "aria-describedby": uid + "-counter " + uid + "-limit",
    });
    var sendBtn = el("button", { type: "submit", class: "hc-send", "aria-label": "Send message", title: "Send" }, [icon("send")]);
    var form = el("form", { class: "hc-form", novalidate: true }, [
      el("label", { class: "hc-sr-only", for: inputId, text: "Message the Hypertrophy Coach" }),
      input,
      sendBtn,
    ]);
    // near the limit: how many characters of how many; over it: why it isn't sent (never cut)
    var counterText = el("span", { class: "hc-counter-text" });
    var counterHint = el("span", { class: "hc-sr-only" });
    var counter = el("p", { class: "hc-counter", id: uid + "-counter" }, [counterText, counterHint]);
    counter.hidden = true;
    var limit = el("p", { class: "hc-limit", id: uid + "-limit", role: "alert" });
    limit.hidden = true;
    var footer = el("div", { class: "hc-footer" }, [
      form,
      counter,
      limit,
      el("p", { class: "hc-fineprint", text: "General training information, not medical advice." }),
    ]);

    var panel = el("section", {
      class: "hc-panel",
      id: uid + "-panel",
      role: "region",
      "aria-labelledby": uid + "-title",
    }, [header, confirm, body, footer]);
    panel.hidden = true;

    root.appendChild(panel);
    root.appendChild(launcher);

    ui = {
      root: root,
      panel: panel,
      launcher: launcher,
      launcherIconOpen: launcherIconOpen,
      launcherIconClose: launcherIconClose,
      log: log,
      body: body,
      typing: typing,
      error: error,
      input: input,
      send: sendBtn,
      newBtn: newBtn,
      confirm: confirm,
      confirmNo: confirmNo,
      counter: counter,
      counterText: counterText,
      counterHint: counterHint,
      limit: limit,
    };

    launcher.addEventListener("click", function () {
      root.classList.remove("hc-initial");
      setOpen(!state.open, true);
    });
    closeBtn.addEventListener("click", function () {
      setOpen(false, true);
    });
    newBtn.addEventListener("click", function () {
      if (confirm.hidden) askNewConversation();
      else closeConfirm(true);
    });
    confirmYes.addEventListener("click", newConversation);
    confirmNo.addEventListener("click", function () {
      closeConfirm(true);
    });
    panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape" || e.key === "Esc") {
        e.preventDefault();
        if (!confirm.hidden) closeConfirm(true); // Escape answers the question first
        else setOpen(false, true);
      }
    });
    input.addEventListener("input", updateCounter);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (state.busy || state.restoring) return;
      var value = input.value;
      if (!value.trim()) return;
      var n = messageLength(value);
      if (n > MAX_MESSAGE_CHARS) {
        refuseTooLong(n);
        input.focus();
        return;
      }
      input.value = "";
      updateCounter();
      send(value);
      input.focus();
    });

    ensureStylesheet(root);
    document.body.appendChild(root);
    renderWelcome();
    setOpen(START_OPEN, START_OPEN);
    restore();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", build);
  else build();

  // A tiny handle for debugging and tests (read-only information).
  window.HypertrophyCoachWidget = {
    server: SERVER,
    senderId: function () {
      return state.sender;
    },
    planToMarkdown: planToMarkdown,
  };
})();
