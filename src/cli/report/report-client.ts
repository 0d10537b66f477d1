// The HTML bench report's in-page script: builds the Chart.js charts from the embedded view model and wires the toggles.
// Plain browser JavaScript kept as text (the project compiles for Node, without DOM types); the report tests parse it and
// run it in Chromium. String.raw keeps its escapes literal; it must contain no backtick and no dollar-brace.

export const REPORT_CLIENT_SCRIPT = String.raw`(function () {
  "use strict";
  var FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  var charts = {};
  window.__kdbtCharts = charts;

  function fail(message) {
    var el = document.getElementById("chart-error");
    if (el) {
      el.hidden = false;
      el.textContent = message;
    }
  }

  var nf0 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  var nf1 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  function cyc(v) {
    return v === null || v === undefined ? "n/a" : v >= 1000 ? nf0.format(v) : nf1.format(v);
  }
  function times(v) {
    return (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) + "\u00d7";
  }
  function tick(v) {
    return Number(Number(v).toPrecision(3)) + "\u00d7";
  }

  /** Diagonal white stripes over the colour: a second cue besides hue (precise-defer). */
  function hatch(color) {
    var c = document.createElement("canvas");
    c.width = 8;
    c.height = 8;
    var g = c.getContext("2d");
    g.fillStyle = color;
    g.fillRect(0, 0, 8, 8);
    g.strokeStyle = "rgba(255,255,255,0.65)";
    g.lineWidth = 2;
    g.beginPath();
    g.moveTo(-2, 2); g.lineTo(2, -2);
    g.moveTo(0, 8); g.lineTo(8, 0);
    g.moveTo(6, 10); g.lineTo(10, 6);
    g.stroke();
    return g.createPattern(c, "repeat");
  }
  function fill(s) {
    return s.hatched ? hatch(s.color) : s.color;
  }

  /** Dark text with a white halo: readable over any bar colour and over the grid. */
  function haloText(ctx, text, x, y) {
    ctx.lineJoin = "round";
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(255,255,255,0.92)";
    ctx.strokeText(text, x, y);
    ctx.fillStyle = "#1a1a1a";
    ctx.fillText(text, x, y);
  }

  /** Value at the end of each horizontal bar (options.kind: "times" or "count"). */
  var valueLabels = {
    id: "kdbtValueLabels",
    afterDatasetsDraw: function (chart, args, opts) {
      if (!opts || !opts.kind) return;
      var ctx = chart.ctx;
      ctx.save();
      ctx.font = "11px " + FONT;
      ctx.textBaseline = "middle";
      ctx.textAlign = "left";
      chart.data.datasets.forEach(function (ds, i) {
        if (!chart.isDatasetVisible(i)) return;
        chart.getDatasetMeta(i).data.forEach(function (el, j) {
          var v = ds.data[j];
          if (v === null || v === undefined || !(el.height >= 7) || !isFinite(el.x)) return;
          haloText(ctx, opts.kind === "times" ? times(v) : nf0.format(v), Math.max(el.x, el.base) + 4, el.y);
        });
      });
      ctx.restore();
    },
  };

  /** The dashed native = 1x reference line. */
  var refLine = {
    id: "kdbtRefLine",
    afterDatasetsDraw: function (chart, args, opts) {
      if (!opts || typeof opts.value !== "number") return;
      var a = chart.chartArea;
      var x = chart.scales.x.getPixelForValue(opts.value);
      if (!(x >= a.left - 1 && x <= a.right + 1)) return;
      var ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = "#222";
      ctx.lineWidth = 1.5;
      ctx.setLineDash([5, 4]);
      ctx.beginPath();
      ctx.moveTo(x, a.top - 6);
      ctx.lineTo(x, a.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.font = "600 11px " + FONT;
      ctx.textAlign = "left";
      ctx.textBaseline = "bottom";
      haloText(ctx, opts.label, x + 4, a.top - 2);
      ctx.restore();
    },
  };

  /** Names each bar of a grouped stack (one per DBT mode) in the right margin. */
  var modeTags = {
    id: "kdbtModeTags",
    afterDatasetsDraw: function (chart, args, opts) {
      if (!opts || !opts.enabled) return;
      var ctx = chart.ctx;
      var a = chart.chartArea;
      var done = {};
      ctx.save();
      ctx.font = "11px " + FONT;
      ctx.textBaseline = "middle";
      ctx.textAlign = "left";
      ctx.fillStyle = "#444";
      chart.data.datasets.forEach(function (ds, i) {
        var mode = ds.kdbt.mode;
        if (done[mode] || !chart.isDatasetVisible(i)) return;
        done[mode] = true;
        chart.getDatasetMeta(i).data.forEach(function (el, j) {
          if (ds.data[j] === null || ds.data[j] === undefined || !isFinite(el.y)) return;
          ctx.fillText(ds.kdbt.modeLabel, a.right + 8, el.y);
        });
      });
      ctx.restore();
    },
  };

  function toggle(name, initial, apply) {
    var group = document.querySelector('[data-toggle="' + name + '"]');
    if (!group) return;
    var buttons = Array.prototype.slice.call(group.querySelectorAll("button"));
    function set(value) {
      buttons.forEach(function (b) {
        b.setAttribute("aria-pressed", String(b.getAttribute("data-value") === value));
      });
    }
    buttons.forEach(function (b) {
      b.addEventListener("click", function () {
        var value = b.getAttribute("data-value");
        set(value);
        apply(value);
      });
    });
    set(initial);
  }

  /** Workload names with their operation text, or the names alone where the chart is too narrow for both. */
  var labelSets = {};
  function labelsFor(width) {
    if (!labelSets.long) {
      labelSets.long = model.workloads.map(function (w) { return w.lines; });
      labelSets.short = model.workloads.map(function (w) { return w.name; });
    }
    return width < 640 ? labelSets.short : labelSets.long;
  }
  function widthOf(id) {
    return document.getElementById(id).parentNode.clientWidth;
  }
  function swapLabels(chart, size) {
    chart.data.labels = labelsFor(size.width);
  }

  function tipTitle(items) {
    var w = model.workloads[items[0].dataIndex];
    return w.name + ": " + w.operation;
  }

  var grid = { color: "#e6e6e1" };
  var yAxis = { grid: { display: false }, ticks: { autoSkip: false, color: "#222", font: { size: 12 } } };
  var legend = { position: "top", align: "start", labels: { boxWidth: 14, boxHeight: 14, padding: 14, font: { size: 12 } } };
  var model;

  function slowdownScale(s, log) {
    var title = { display: true, text: log ? "slowdown vs native (logarithmic axis)" : "slowdown vs native", font: { size: 12 } };
    if (log) {
      return {
        type: "logarithmic",
        min: Math.min(1, s.min) * 0.9,
        max: s.max * 1.2,
        grid: grid,
        title: title,
        ticks: {
          callback: function (v) {
            var m = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
            return [1, 2, 5].some(function (k) { return Math.abs(m - k) < 1e-6; }) ? tick(v) : "";
          },
        },
      };
    }
    return { type: "linear", min: 0, suggestedMax: Math.max(1.5, s.max * 1.05), grid: grid, title: title, ticks: { callback: tick } };
  }

  function slowdownChart(s) {
    return new Chart(document.getElementById("chart-slowdown"), {
      type: "bar",
      data: {
        labels: labelsFor(widthOf("chart-slowdown")),
        datasets: s.datasets.map(function (d) {
          return { label: d.label, data: d.data, backgroundColor: fill(d), borderColor: d.color, borderWidth: 1, kdbt: d };
        }),
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        onResize: swapLabels,
        // Hovering a workload lists every mode's slowdown: the comparison the chart is for.
        interaction: { mode: "index", axis: "y", intersect: false },
        layout: { padding: { top: 16, right: 52 } },
        datasets: { bar: { categoryPercentage: 0.84, barPercentage: 0.94 } },
        scales: { x: slowdownScale(s, s.log), y: yAxis },
        plugins: {
          legend: legend,
          tooltip: {
            callbacks: {
              title: tipTitle,
              label: function (item) {
                var d = item.dataset.kdbt;
                var n = s.nativeCyclesPerOp[item.dataIndex];
                return d.label + ": " + times(item.raw) + " (" + cyc(d.cyclesPerOp[item.dataIndex]) + " cycles/op" + (n === null ? "" : " vs " + cyc(n) + " native") + ")";
              },
            },
          },
          kdbtRefLine: { value: 1, label: "native = 1\u00d7" },
          kdbtValueLabels: { kind: "times" },
        },
      },
      plugins: [refLine, valueLabels],
    });
  }

  function breakdownScale(share) {
    if (share) {
      return {
        stacked: true, min: 0, max: 100, grid: grid,
        ticks: { stepSize: 20, callback: function (v) { return v + "%"; } },
        title: { display: true, text: "share of the workload's cycles", font: { size: 12 } },
      };
    }
    return {
      stacked: true, min: 0, grid: grid,
      ticks: { callback: function (v) { return cyc(v); } },
      title: { display: true, text: "cycles per operation (the whole segment's cycles \u00f7 iterations)", font: { size: 12 } },
    };
  }

  function breakdownChart(b) {
    var first = b.modes[0].mode;
    return new Chart(document.getElementById("chart-breakdown"), {
      type: "bar",
      data: {
        labels: labelsFor(widthOf("chart-breakdown")),
        datasets: b.series.map(function (x) {
          return { label: x.label, data: x.pct.slice(), stack: x.mode, backgroundColor: x.color, borderWidth: 0, kdbt: x };
        }),
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        onResize: swapLabels,
        layout: { padding: { right: 100 } },
        datasets: { bar: { categoryPercentage: 0.84, barPercentage: 0.94 } },
        interaction: { mode: "nearest", intersect: true },
        scales: { x: breakdownScale(true), y: Object.assign({ stacked: true }, yAxis) },
        plugins: {
          legend: Object.assign({}, legend, {
            labels: Object.assign({}, legend.labels, {
              filter: function (item, data) { return data.datasets[item.datasetIndex].kdbt.mode === first; },
            }),
            onClick: function (e, item, lg) {
              var c = lg.chart;
              var category = c.data.datasets[item.datasetIndex].kdbt.category;
              var visible = !c.isDatasetVisible(item.datasetIndex);
              c.data.datasets.forEach(function (d, i) {
                if (d.kdbt.category === category) c.setDatasetVisibility(i, visible);
              });
              c.update();
            },
          }),
          tooltip: {
            callbacks: {
              title: function (items) { return tipTitle(items) + " \u00b7 " + items[0].dataset.kdbt.modeLabel; },
              label: function (item) {
                var x = item.dataset.kdbt;
                var j = item.dataIndex;
                return x.label + ": " + x.pct[j].toFixed(1) + "% \u00b7 " + cyc(x.perOp[j]) + " cycles/op \u00b7 " + nf0.format(x.cycles[j]) + " cycles";
              },
            },
          },
          kdbtModeTags: { enabled: true },
        },
      },
      plugins: [modeTags],
    });
  }

  function leaksChart(l) {
    return new Chart(document.getElementById("chart-leaks"), {
      type: "bar",
      data: {
        labels: model.workloads.map(function (w) { return w.name; }),
        datasets: l.datasets.map(function (d) {
          return { label: d.label, data: d.data, backgroundColor: fill(d), borderColor: d.color, borderWidth: 1, kdbt: d };
        }),
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        layout: { padding: { right: 56 } },
        datasets: { bar: { categoryPercentage: 0.8, barPercentage: 0.94 } },
        scales: {
          x: { beginAtZero: true, grid: grid, ticks: { precision: 0, callback: function (v) { return nf0.format(v); } }, title: { display: true, text: "leaking deliveries", font: { size: 12 } } },
          y: yAxis,
        },
        plugins: {
          legend: Object.assign({}, legend, { display: l.datasets.length > 1 }),
          tooltip: {
            callbacks: {
              title: tipTitle,
              label: function (item) {
                var d = item.dataset.kdbt;
                var n = d.deliveries[item.dataIndex];
                return d.label + ": " + nf0.format(item.raw) + " of " + nf0.format(n) + " deliveries" + (n > 0 ? " (" + ((100 * item.raw) / n).toFixed(1) + "%)" : "");
              },
            },
          },
          kdbtValueLabels: { kind: "count" },
        },
      },
      plugins: [valueLabels],
    });
  }

  try {
    model = JSON.parse(document.getElementById("kdbt-report-model").textContent);
    if (model.slowdown || model.breakdown || model.leaks) {
      if (typeof Chart === "undefined") throw new Error("Chart.js did not load");
      var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      Chart.defaults.font.family = FONT;
      Chart.defaults.color = "#333";
      Chart.defaults.animation = reduced ? false : { duration: 450 };
      // Crisp on high-density screens and on paper.
      Chart.defaults.devicePixelRatio = Math.max(2, window.devicePixelRatio || 1);
    }
    if (model.slowdown) {
      charts.slowdown = slowdownChart(model.slowdown);
      toggle("slowdown-scale", model.slowdown.log ? "log" : "linear", function (v) {
        charts.slowdown.options.scales.x = slowdownScale(model.slowdown, v === "log");
        charts.slowdown.update();
      });
    }
    if (model.breakdown) {
      charts.breakdown = breakdownChart(model.breakdown);
      toggle("breakdown-unit", "share", function (v) {
        var c = charts.breakdown;
        c.data.datasets.forEach(function (d) { d.data = (v === "share" ? d.kdbt.pct : d.kdbt.perOp).slice(); });
        c.options.scales.x = breakdownScale(v === "share");
        c.update();
      });
    }
    if (model.leaks) charts.leaks = leaksChart(model.leaks);
    var resizeAll = function () {
      Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    };
    window.addEventListener("beforeprint", resizeAll);
    window.addEventListener("afterprint", resizeAll);
  } catch (e) {
    fail("The charts could not be drawn (" + (e && e.message ? e.message : String(e)) + "); the table below has every number.");
    console.error(e);
  }
  window.__kdbtReady = true;
})();
`;
