"""How Reader's browser tests and benchmarks drive Debian's Chromium, and what they ask the worker.

One place for both: the benchmarks import it from here (as push_bench imports the push service).
"""
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach Google on a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {
    "viewport": {"width": 360, "height": 740},  # a common Android phone in CSS pixels
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "service_workers": "allow",
}
# The kept stories, as the worker's "list" message answers (static/sw/sw.js).
LIST_KEPT = """async () => {
  const registration = await navigator.serviceWorker.ready;
  return await new Promise(resolve => {
    const channel = new MessageChannel();
    channel.port1.onmessage = event => resolve(event.data.stories);
    registration.active.postMessage({type: "list"}, [channel.port2]);
  });
}"""
