// The dossier's search box: Pagefind's index (pagefind/), queried as the reader types.
// Without JavaScript the box stays hidden and the section indexes remain the way in.
// Results are built with DOM methods only: titles are text, and excerpts keep nothing of
// the index's markup but its <mark> highlights.
(() => {
  "use strict";
  const box = document.querySelector("[data-search]");
  if (!box || !window.fetch) return;
  // The site's root is where this script lives, so search works under any sub-path.
  const root = new URL(".", document.currentScript.src);
  const form = box.querySelector("[data-search-form]");
  const input = box.querySelector("#search-input");
  const kind = box.querySelector("#search-kind");
  const panel = box.querySelector("[data-search-panel]");
  const status = box.querySelector("#search-status");
  const list = box.querySelector("#search-results");
  const labels = {
    "actor": "Actor", "location": "Place", "talk": "Talk", "event": "Event",
    "source paragraph": "Source paragraph", "page": "Page",
  };
  let loading = null;
  let latest = 0;
  box.hidden = false;

  // One load, shared by every keystroke: each search waits for the same promise, so searches
  // reach Pagefind in the order they were typed.
  // A large index is built in parts (site.toml's `search_shard_size`): the first is the
  // bundle, and pagefind/dossier-shards.json lists the others, which are merged into it.
  const bundle = new URL("pagefind/", root);
  const load = () =>
    (loading ??= (async () => {
      const [pf, parts] = await Promise.all([
        import(new URL("pagefind.js", bundle).href),
        fetch(new URL("dossier-shards.json", bundle))
          .then((r) => (r.ok ? r.json() : []))
          .catch(() => []),
      ]);
      // Results come back as "/actors/x/"; they are resolved against the root below.
      await pf.options({ baseUrl: "/" });
      await pf.init();
      const others = Array.isArray(parts) ? parts.filter((p) => typeof p === "string") : [];
      await Promise.all(others.map((p) => pf.mergeIndex(new URL(p, bundle).href, { baseUrl: "/" })));
      return pf;
    })());
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // Excerpt HTML → nodes: text, and <mark> around the matched words; nothing else survives.
  const excerptNodes = (html) => {
    const marked = html.replace(/<mark>/g, "\u0001").replace(/<\/mark>/g, "\u0002");
    const text = new DOMParser().parseFromString(marked, "text/html").body.textContent || "";
    const frag = document.createDocumentFragment();
    for (const [i, part] of text.split(/[\u0001\u0002]/).entries()) {
      if (!part) continue;
      if (i % 2 === 1) {
        const m = document.createElement("mark");
        m.textContent = part;
        frag.append(m);
      } else {
        frag.append(part);
      }
    }
    return frag;
  };

  const show = (message, results) => {
    panel.hidden = false;
    status.textContent = message;
    list.replaceChildren(...results);
  };

  const run = async () => {
    const query = input.value.trim();
    const id = ++latest;
    if (!query) {
      panel.hidden = true;
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    let pf;
    try {
      pf = await load();
    } catch {
      loading = null; // try again on the next keystroke
      if (id !== latest) return;
      show("Search is not available here (it needs the site to be served over http).", []);
      return;
    }
    // Wait for the reader to pause; a newer keystroke or filter change supersedes this search.
    await pause(120);
    if (id !== latest) return;
    const filters = kind.value ? { kind: kind.value } : {};
    const search = await pf.search(query, { filters });
    if (id !== latest) return;
    const data = await Promise.all(search.results.slice(0, 12).map((r) => r.data()));
    if (id !== latest) return;
    const items = data.map((d) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = new URL(d.url.replace(/^\//, ""), root).href;
      const title = document.createElement("span");
      title.className = "result-title";
      title.textContent = d.meta.title || d.url;
      const badge = document.createElement("span");
      badge.className = "result-kind";
      const k = (d.filters.kind || [])[0] || "page";
      badge.textContent = labels[k] || k;
      a.append(title, " ", badge);
      const p = document.createElement("p");
      p.className = "result-excerpt";
      p.append(excerptNodes(d.excerpt || ""));
      li.append(a, p);
      return li;
    });
    const n = search.results.length;
    const what = kind.value ? ` among ${(labels[kind.value] || kind.value).toLowerCase()}s` : "";
    show(
      n === 0
        ? `No result for “${query}”${what}.`
        : `${n} result${n === 1 ? "" : "s"} for “${query}”${what}${n > 12 ? ", the first 12 shown" : ""}.`,
      items,
    );
  };

  input.addEventListener("input", run);
  kind.addEventListener("change", run);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const first = list.querySelector("a");
    if (first) first.focus();
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      input.value = "";
      run();
    }
  });
  // "/" jumps to the box, unless the reader is already typing somewhere.
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    const typing = t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
    if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      input.focus();
    }
  });
})();
