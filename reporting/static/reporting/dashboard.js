/* The quarterly dashboard's charts, drawn with the vendored Chart.js from the JSON each
   chart's <script type="application/json"> holds (made by reporting/dashboard.py, labels
   already translated). No inline script: the CSP allows scripts from 'self' only. Each
   chart has a table with the same figures beside it, for screen readers and no-JS. */
(function () {
  "use strict";

  var COLOURS = ["#00567a", "#b35c00", "#1e6b34", "#6b2d8f", "#a4000f", "#4a4a4a"];

  function dataset(spec, series, index) {
    var colour = COLOURS[index % COLOURS.length];
    var line = (series.type || spec.type) === "line";
    var out = {
      label: series.label,
      data: series.data,
      type: series.type || spec.type,
      backgroundColor: line ? colour : colour + "cc",
      borderColor: colour,
      borderWidth: line ? 2 : 1,
      spanGaps: false,
      pointRadius: line ? 3 : undefined
    };
    if (series.style === "target") {
      out.borderDash = [8, 5];
      out.pointRadius = 0;
      out.borderColor = "#4a4a4a";
      out.backgroundColor = "#4a4a4a";
    } else if (series.style === "projection") {
      out.borderDash = [3, 3];
      out.pointRadius = 0;
    }
    return out;
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var horizontal = Boolean(spec.horizontal);
    var valueAxis = {
      beginAtZero: true,
      title: { display: Boolean(spec.y_title), text: spec.y_title || "" }
    };
    var scales = horizontal ? { x: valueAxis } : { y: valueAxis };
    var chart = new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (series, index) {
          return dataset(spec, series, index);
        })
      },
      options: {
        // Numbers in ticks and tooltips follow the page's language (1,234 / 1 234).
        locale: document.documentElement.lang || "en",
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: {
          legend: { display: spec.legend !== false, position: "bottom" },
          title: { display: false }
        }
      }
    });
    canvas.setAttribute("data-drawn", "true");
    return chart;
  }

  function start() {
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i += 1) {
      draw(canvases[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
