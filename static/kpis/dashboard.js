/* Draws the dashboard charts from the JSON each page embeds with json_script, and small page helpers.
 *
 * Every <canvas data-chart-source="ID"> gets a Chart.js chart of the JSON in <script id="ID">:
 *   {kind: "line"|"bar"|"hbar"|"stacked", labels: [...], links: [url|null, ...], currency: "USD",
 *    amount: {currency: "IRR", divisor: 10, pattern: "%(value)s toman"|null},
 *    units: {hours: "%(value)s h", days: "%(value)s d", per_day: "%(value)s/d"},
 *    datasets: [{key, label, unit, values: [...], axis: "primary"|"secondary", role: "value"|"target",
 *                direction: "up"|"down"|"none"}]}
 * The page's data table and CSV hold exactly these numbers; `amount` and `units` (translated by the
 * server) say how to write them: an amount with no pattern takes Intl's currency style, one with a
 * pattern (rial, toman) is divided by `divisor` and named by it. Numbers are written in the locale of
 * <html data-number-locale> ("fa-u-nu-latn" keeps Latin digits on a Persian page).
 * Right-to-left pages (document.dir === "rtl") get right-to-left legends and tooltips and a reversed
 * category axis, so time runs from the right as the text does.
 */
(function () {
  "use strict";

  const rtl = document.dir === "rtl";
  const locale = document.documentElement.dataset.numberLocale || document.documentElement.lang || undefined;
  const reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function cssVar(name, fallback) {
    const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  const palette = [
    cssVar("--chart-1", "#2457c5"), cssVar("--chart-2", "#d9822b"), cssVar("--chart-3", "#2f9e6e"),
    cssVar("--chart-4", "#a23b72"),
  ];
  const toneColour = {up: cssVar("--good", "#1e7d46"), none: cssVar("--muted", "#8a93a5"), down: cssVar("--bad", "#b3261e")};

  // Stacked shares (NPS mix, CSAT and CES by score) are coloured by whether the part is good, neutral or
  // bad; of two neighbouring parts with the same tone, the one nearer the neutral middle is paler.
  function stackedColours(datasets) {
    return datasets.map((d, index) => {
      const tone = toneColour[d.direction] || toneColour.none;
      const before = datasets[index - 1];
      const after = datasets[index + 1];
      const same = (other) => other && other.direction === d.direction;
      const differs = (other) => other && other.direction !== d.direction;
      const nearMiddle = d.direction !== "none" && ((same(before) && differs(after)) || (same(after) && differs(before)));
      return {colour: tone, alpha: nearMiddle ? "77" : "cc"};
    });
  }
  const targetColour = cssVar("--target", "#5b6475");

  function fill(pattern, text) {
    return pattern.replace("%(value)s", text);
  }

  function formatter(unit, spec) {
    const number = (digits) => new Intl.NumberFormat(locale, {maximumFractionDigits: digits});
    const amount = spec.amount || {currency: spec.currency, divisor: 1, pattern: null};
    const units = spec.units || {};
    const money = (compact) => {
      if (amount.pattern) {
        const format = new Intl.NumberFormat(locale, compact ? {notation: "compact", maximumFractionDigits: 1}
          : {maximumFractionDigits: 0});
        return (v) => fill(amount.pattern, format.format(v / amount.divisor));
      }
      const format = new Intl.NumberFormat(locale, compact
        ? {style: "currency", currency: amount.currency, notation: "compact", maximumFractionDigits: 1}
        : {style: "currency", currency: amount.currency, maximumFractionDigits: 0});
      return (v) => format.format(v);
    };
    switch (unit) {
      case "currency":
        return money(true);
      case "currency_per_day": {
        const perDay = money(false);
        return (v) => fill(units.per_day || "%(value)s/d", perDay(v));
      }
      case "ratio":
        return (v) => new Intl.NumberFormat(locale, {style: "percent", maximumFractionDigits: 1}).format(v);
      case "hours":
        return (v) => fill(units.hours || "%(value)s h", number(1).format(v));
      case "days":
        return (v) => fill(units.days || "%(value)s d", number(1).format(v));
      case "score5":
      case "gap":
        return (v) => number(2).format(v);
      case "multiple":
        return (v) => number(1).format(v) + "×";
      default:
        return (v) => number(1).format(v);
    }
  }

  function axisFor(spec, which) {
    const dataset = spec.datasets.find((d) => d.axis === which && d.role === "value");
    return dataset ? dataset.unit : null;
  }

  function buildConfig(spec) {
    const horizontal = spec.kind === "hbar";
    const stacked = spec.kind === "stacked";
    const type = spec.kind === "line" ? "line" : "bar";
    const primaryUnit = axisFor(spec, "primary");
    const secondaryUnit = axisFor(spec, "secondary");
    const valueAxis = horizontal ? "x" : "y";
    const secondAxis = horizontal ? "x2" : "y2";
    const categoryAxis = horizontal ? "y" : "x";

    const tones = stacked ? stackedColours(spec.datasets) : null;
    const datasets = spec.datasets.map((d, index) => {
      const colour = stacked ? tones[index].colour : palette[index % palette.length];
      const dataset = {
        label: d.label,
        data: d.values,
        unit: d.unit,
        borderColor: d.role === "target" ? targetColour : colour,
        backgroundColor: d.role === "target" ? targetColour
          : colour + (stacked ? tones[index].alpha : type === "bar" ? "cc" : "33"),
        borderWidth: 2,
        maxBarThickness: 28,
        spanGaps: false,
        pointRadius: spec.labels.length > 60 ? 0 : 2,
        tension: 0,
      };
      if (horizontal) {
        dataset.xAxisID = d.axis === "secondary" ? secondAxis : valueAxis;
      } else {
        dataset.yAxisID = d.axis === "secondary" ? secondAxis : valueAxis;
      }
      if (d.role === "target") {
        Object.assign(dataset, {type: "line", borderDash: [6, 4], pointRadius: 0, fill: false, stepped: "middle",
                                backgroundColor: "transparent"});
      }
      return dataset;
    });

    const scales = {};
    scales[categoryAxis] = {
      reverse: rtl && !horizontal,
      position: horizontal ? (rtl ? "right" : "left") : "bottom",
      stacked: stacked,
      ticks: {autoSkip: true, maxRotation: 0},
      grid: {display: false},
    };
    scales[valueAxis] = {
      reverse: rtl && horizontal,
      position: horizontal ? "bottom" : (rtl ? "right" : "left"),
      beginAtZero: true,
      stacked: stacked,
      max: stacked ? 1 : undefined,
      ticks: {maxRotation: 0, autoSkipPadding: 12, callback: (v) => formatter(primaryUnit, spec)(v)},
    };
    if (secondaryUnit) {
      scales[secondAxis] = {
        reverse: rtl && horizontal,
        position: horizontal ? "top" : (rtl ? "left" : "right"),
        beginAtZero: true,
        grid: {drawOnChartArea: false},
        ticks: {maxRotation: 0, autoSkipPadding: 12, callback: (v) => formatter(secondaryUnit, spec)(v)},
      };
    }

    const hasLinks = Array.isArray(spec.links) && spec.links.some(Boolean);
    return {
      type: type,
      data: {labels: spec.labels, datasets: datasets},
      options: {
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: false,
        layout: {padding: {left: 12, right: 12}},
        responsive: true,
        animation: reducedMotion ? false : {duration: 400},
        interaction: {mode: "index", intersect: false, axis: horizontal ? "y" : "x"},
        scales: scales,
        plugins: {
          legend: {display: datasets.length > 1, rtl: rtl, textDirection: rtl ? "rtl" : "ltr",
                   labels: {boxWidth: 12}},
          tooltip: {
            rtl: rtl,
            textDirection: rtl ? "rtl" : "ltr",
            callbacks: {
              label: (item) => {
                const value = item.raw;
                const text = value === null || value === undefined ? "—"
                  : formatter(item.dataset.unit, spec)(value);
                return item.dataset.label + ": " + text;
              },
            },
          },
        },
        onClick: hasLinks ? (event, elements) => {
          if (elements.length && spec.links[elements[0].index]) {
            window.location.assign(spec.links[elements[0].index]);
          }
        } : undefined,
        onHover: hasLinks ? (event, elements) => {
          event.native.target.style.cursor = elements.length && spec.links[elements[0].index] ? "pointer" : "default";
        } : undefined,
      },
    };
  }

  function drawCharts() {
    if (typeof window.Chart === "undefined") {
      document.querySelectorAll("[data-chart-card]").forEach((card) => card.classList.add("no-chart"));
      return;
    }
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = cssVar("--muted", "#5b6475");
    document.querySelectorAll("canvas[data-chart-source]").forEach((canvas) => {
      const source = document.getElementById(canvas.dataset.chartSource);
      if (!source) {
        return;
      }
      const existing = Chart.getChart(canvas);
      if (existing) {
        existing.destroy();
      }
      new Chart(canvas, buildConfig(JSON.parse(source.textContent)));
    });
  }

  function showLocalTimes() {
    const format = new Intl.DateTimeFormat(locale, {dateStyle: "medium", timeStyle: "short"});
    document.querySelectorAll("time[data-local-time]").forEach((element) => {
      const instant = new Date(element.getAttribute("datetime"));
      if (!Number.isNaN(instant.getTime())) {
        element.title = element.textContent.trim();
        element.textContent = format.format(instant);
      }
    });
  }

  function linkRangeControls() {
    document.querySelectorAll("form[data-range-form]").forEach((form) => {
      const preset = form.elements.namedItem("preset");
      const grain = form.elements.namedItem("grain");
      const dates = [form.elements.namedItem("start"), form.elements.namedItem("end")].filter(Boolean);
      const initialPreset = preset ? preset.value : null;
      let grainTouched = false;
      dates.forEach((input) => input.addEventListener("change", () => {
        if (preset) {
          preset.value = "custom";
        }
      }));
      if (grain) {
        grain.addEventListener("change", () => { grainTouched = true; });
      }
      form.addEventListener("submit", () => {
        if (!preset) {
          return;
        }
        // A preset decides its own dates; a newly chosen preset also its grain, unless one was picked.
        if (preset.value !== "custom") {
          dates.forEach((input) => { input.disabled = true; });
          if (grain && preset.value !== initialPreset && !grainTouched) {
            grain.disabled = true;
          }
        }
      });
    });
  }

  function start() {
    drawCharts();
    // The canvas draws with the page's web font only once it has loaded (font-display: swap): draw again then.
    if (document.fonts && document.fonts.status !== "loaded") {
      document.fonts.ready.then(drawCharts);
    }
    showLocalTimes();
    linkRangeControls();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  window.crmDashboards = {redraw: drawCharts};
}());
