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
  const more = box.querySelector("[data-search-more]");
  // Results are shown this many at a time; "Show more" adds the next ones.
  const PAGE = 12;
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

  // The search on show: its results, how many are in the list, and its status's words.
  let shown = null;

  const item = (d) => {
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
  };

  // The status of the search on show, and the button for its next results if any.
  const tell = () => {
    const { results, count, query, what } = shown;
    const n = results.length;
    status.textContent =
      n === 0
        ? `No result for “${query}”${what}.`
        : `${n} result${n === 1 ? "" : "s"} for “${query}”${what}${n > count ? `, the first ${count} shown` : ""}.`;
    const next = Math.min(PAGE, n - count);
    more.hidden = next <= 0;
    more.textContent = `Show ${next} more`;
  };

  const show = (search, query, what, items) => {
    shown = { results: search.results, count: items.length, query, what, adding: false };
    panel.hidden = false;
    list.replaceChildren(...items);
    tell();
  };

  // No result on show: the panel says `message`, or is hidden without one.
  const clear = (message) => {
    shown = null;
    list.replaceChildren();
    more.hidden = true;
    status.textContent = message;
    panel.hidden = !message;
  };

  more.addEventListener("click", async () => {
    const at = shown;
    if (!at || at.adding) return;
    at.adding = true;
    let data;
    try {
      data = await Promise.all(at.results.slice(at.count, at.count + PAGE).map((r) => r.data()));
    } catch {
      return; // the button stays, to try again
    } finally {
      at.adding = false;
    }
    // A newer search replaced this one meanwhile.
    if (shown !== at) return;
    const items = data.map(item);
    list.append(...items);
    at.count += items.length;
    tell();
    // The reader goes on from the first new result; the button may now be hidden.
    items[0]?.querySelector("a")?.focus();
  });

  const run = async () => {
    const query = input.value.trim();
    const id = ++latest;
    if (!query) {
      clear("");
      return;
    }
    let pf;
    try {
      pf = await load();
    } catch {
      loading = null; // try again on the next keystroke
      if (id !== latest) return;
      clear("Search is not available here (it needs the site to be served over http).");
      return;
    }
    // Wait for the reader to pause; a newer keystroke or filter change supersedes this search.
    await pause(120);
    if (id !== latest) return;
    const filters = kind.value ? { kind: kind.value } : {};
    const search = await pf.search(query, { filters });
    if (id !== latest) return;
    const data = await Promise.all(search.results.slice(0, PAGE).map((r) => r.data()));
    if (id !== latest) return;
    const what = kind.value ? ` among ${(labels[kind.value] || kind.value).toLowerCase()}s` : "";
    show(search, query, what, data.map(item));
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
