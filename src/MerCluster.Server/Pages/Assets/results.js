// Keeps a results page current without reloading it. A running sweep's page listens to the sweep's progress
// (server-sent events from /api/sweeps/{id}/progress); the sweep list polls. On every change the script fetches the
// page again and swaps in the parts (elements with an id and data-part) whose markup changed, so the keyboard focus,
// the scroll position and the images that did not change stay as they are. It stops once the server renders the page
// without data-refresh (the sweep has finished).
'use strict';

(() => {
  const main = document.querySelector('main[data-refresh]');
  if (!main) {
    return;
  }
  const pollMilliseconds = 4000;
  let fetching = false;
  let again = false;
  let events = null;
  let timer = null;

  const refresh = async () => {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    try {
      const response = await fetch(location.href, { cache: 'no-store', headers: { Accept: 'text/html' } });
      if (response.ok) {
        apply(new DOMParser().parseFromString(await response.text(), 'text/html'));
      }
    } catch {
      // The server is away for a moment: the next event or tick tries again.
    } finally {
      fetching = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  };

  const apply = (next) => {
    for (const fresh of next.querySelectorAll('[data-part][id]')) {
      const current = document.getElementById(fresh.id);
      if (current && current.outerHTML !== fresh.outerHTML) {
        swap(current, fresh);
      }
    }
    document.title = next.title;
    if (!next.querySelector('main[data-refresh]')) {
      stop();
    }
  };

  // Replaces a part; the focused element inside it (found again by its id or href) keeps the focus, scrolled tables
  // keep their place.
  const swap = (current, fresh) => {
    const focused = current.contains(document.activeElement) ? document.activeElement : null;
    const key = focused?.id ? `#${CSS.escape(focused.id)}`
      : focused?.hasAttribute('href') ? `[href="${CSS.escape(focused.getAttribute('href'))}"]` : null;
    const scrolled = [...current.querySelectorAll('.scroll')].map((element) => element.scrollLeft);
    const replacement = document.importNode(fresh, true);
    current.replaceWith(replacement);
    replacement.querySelectorAll('.scroll').forEach((element, i) => {
      element.scrollLeft = scrolled[i] ?? 0;
    });
    if (key) {
      replacement.querySelector(key)?.focus();
    }
  };

  const poll = () => {
    timer ??= setInterval(refresh, pollMilliseconds);
  };

  const stop = () => {
    main.removeAttribute('data-refresh');
    events?.close();
    clearInterval(timer);
  };

  if (main.dataset.events && 'EventSource' in window) {
    events = new EventSource(main.dataset.events);
    events.onmessage = refresh;
    // The browser reconnects by itself after a dropped stream; a stream refused for good falls back to polling.
    events.onerror = () => {
      if (events.readyState === EventSource.CLOSED) {
        poll();
      }
    };
  } else {
    poll();
  }
})();
