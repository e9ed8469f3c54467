// Insights charts: progressive enhancement of the insights page (every number is also in a
// table on the page). Reads the JSON block #insights-data written by the server and draws with
// the vendored Apache ECharts (/static/vendor/echarts, Apache-2.0); nothing is fetched from
// another site. Tooltips are built from text with classes only (the Content-Security-Policy
// allows no inline styles), motion follows prefers-reduced-motion, and charts follow their
// container's width (down to 360 px phones).
(function () {
  "use strict";
  var source = document.getElementById("insights-data");
  if (!source || !window.echarts) { return; }
  var data;
  try { data = JSON.parse(source.textContent || "{}"); } catch (e) { return; }

  var coarse = !!(window.matchMedia && window.matchMedia("(pointer: coarse)").matches);
  var still = !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  var COLORS = {
    text: "#1b1f24", muted: "#4a5561", line: "#8a96a3", accent: "#0b5cad",
    fewer: "#1d6b35", more: "#8a4b00", unclear: "#0b5cad", none: "#8a96a3", average: "#a4161a"
  };
  var charts = [];

  function esc(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function num(value, digits) {
    if (value === null || value === undefined) { return ""; }
    return digits === undefined ? String(value) : Number(value).toFixed(digits);
  }
  function dayText(iso) {
    var parts = String(iso).split("-");
    var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    return parseInt(parts[2], 10) + " " + months[parseInt(parts[1], 10) - 1] + " " + parts[0];
  }
  function tip(title, lines) {
    return '<div class="chart-tip"><strong>' + esc(title) + "</strong>" + lines.map(function (l) {
      return "<span" + (l.muted ? ' class="tip-muted"' : "") + ">" + esc(l.text) + "</span>";
    }).join("<br>") + "</div>";
  }
  function start(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    el.hidden = false;
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    charts.push(chart);
    if (window.ResizeObserver) {
      new window.ResizeObserver(function () { chart.resize(); }).observe(el);
    }
    return chart;
  }
  function base() {
    return {
      animation: !still,
      textStyle: { color: COLORS.text, fontFamily: "system-ui, sans-serif" },
      tooltip: { confine: true, className: "chart-tip-box", backgroundColor: "#fff", borderColor: COLORS.line,
        textStyle: { color: COLORS.text }, transitionDuration: still ? 0 : 0.2 }
    };
  }

  // Jerks per day with the 7-day average; missing days are gaps; medication changes are lines.
  function burden() {
    var days = data.daily || [];
    if (!days.some(function (d) { return d[1] !== null; })) { return; }
    var chart = start("chart-burden");
    if (!chart) { return; }
    var changesOn = {};
    (data.changes || []).forEach(function (c) { (changesOn[c.date] = changesOn[c.date] || []).push(c.label); });
    var option = base();
    option.legend = { top: 4, left: "center", data: ["Jerks per day", "7-day average"] };
    option.grid = { left: 8, right: 16, top: 40, bottom: 64, containLabel: true };
    option.xAxis = { type: "category", boundaryGap: false, data: days.map(function (d) { return d[0]; }),
      axisLabel: { formatter: function (v) { return dayText(v).replace(/ \d{4}$/, ""); }, hideOverlap: true } };
    option.yAxis = { type: "value", min: 0 };
    option.dataZoom = [
      // Touch screens keep one-finger scrolling for the page; the slider zooms there.
      { type: "inside", zoomOnMouseWheel: "ctrl", moveOnMouseWheel: false, moveOnMouseMove: !coarse },
      { type: "slider", height: 22, bottom: 8, labelFormatter: function (i) { return days[i] ? dayText(days[i][0]) : ""; } }
    ];
    option.tooltip.trigger = "axis";
    option.tooltip.formatter = function (params) {
      var i = params[0].dataIndex;
      var d = days[i];
      var lines = d[1] === null ? [{ text: "No entry this day (missing, not zero)", muted: true }] : [
        { text: "Jerks: " + num(d[1]) },
        { text: "Intensity (mean): " + (d[3] === null ? "not recorded" : num(d[3], 1)) },
        { text: "Burden score: " + (d[4] === null ? "not recorded" : num(d[4], 1)) }
      ];
      if (d[2] !== null) { lines.push({ text: "7-day average: " + num(d[2], 1) }); }
      (changesOn[d[0]] || []).forEach(function (label) { lines.push({ text: "Change: " + label }); });
      return tip(dayText(d[0]), lines);
    };
    option.series = [
      { name: "Jerks per day", type: "line", data: days.map(function (d) { return d[1]; }),
        connectNulls: false, showSymbol: days.length <= 400, symbolSize: 4,
        itemStyle: { color: COLORS.accent }, lineStyle: { width: 1.5, color: COLORS.accent },
        markLine: {
          silent: false, symbol: "none", animation: !still,
          lineStyle: { type: "dashed", color: COLORS.muted, width: 1.5 },
          label: { position: "insideEndTop", color: COLORS.text, fontSize: 11,
            backgroundColor: "rgba(255,255,255,0.85)", padding: [1, 3] },
          tooltip: { show: false },
          data: (data.changes || []).map(function (c) { return { xAxis: c.date, name: c.label, label: { formatter: c.short } }; })
        } },
      { name: "7-day average", type: "line", data: days.map(function (d) { return d[2]; }),
        connectNulls: false, showSymbol: false, smooth: false,
        itemStyle: { color: COLORS.average }, lineStyle: { width: 3, color: COLORS.average } }
    ];
    chart.setOption(option);
  }

  // Forest plot: each row an estimate (square) with its 95 % interval (bar) on a log axis.
  function forest(id, rows, axisName) {
    if (!rows || !rows.length) { return; }
    var el = document.getElementById(id);
    if (!el) { return; }
    el.style.height = Math.max(160, 58 * rows.length + 80) + "px";
    var chart = start(id);
    var labelWidth = Math.max(90, Math.min(200, Math.round(el.clientWidth * 0.38)));
    var ends = [0.5, 2];
    rows.forEach(function (r) { if (r.ratio !== null) { ends.push(r.low, r.high); } });
    var min = Math.pow(2, Math.floor(Math.log(Math.min.apply(null, ends)) / Math.LN2));
    var max = Math.pow(2, Math.ceil(Math.log(Math.max.apply(null, ends)) / Math.LN2));
    var option = base();
    option.grid = { left: labelWidth + 14, right: 20, top: 12, bottom: 48, containLabel: false };
    option.xAxis = { type: "log", logBase: 2, min: min, max: max, name: axisName, nameLocation: "middle", nameGap: 28,
      axisLabel: { formatter: function (v) { return String(Number(v.toPrecision(3))); } },
      splitLine: { lineStyle: { color: "#dde3e9" } } };
    option.yAxis = { type: "category", inverse: true, data: rows.map(function (r) { return r.label; }),
      axisTick: { show: false },
      axisLabel: { width: labelWidth, overflow: "break",
        lineHeight: 14, fontSize: 12, color: COLORS.text } };
    option.tooltip.trigger = "item";
    option.tooltip.formatter = function (p) {
      var r = rows[p.value[3]];
      if (!r) { return ""; }
      if (r.ratio === null) { return tip(r.label, [{ text: "Not enough data" }, { text: r.reason || r.verdict, muted: true }]); }
      return tip(r.label, [{ text: r.verdict },
        { text: "ratio " + num(r.ratio, 2) + " (95 % interval " + num(r.low, 2) + " to " + num(r.high, 2) + ")", muted: true }]);
    };
    option.series = [{
      type: "custom",
      encode: { x: [0, 1, 2], y: 3, tooltip: [2] },
      data: rows.map(function (r, i) {
        return r.ratio === null ? [1, 1, 1, i] : [r.low, r.high, r.ratio, i];
      }),
      renderItem: function (params, api) {
        var i = api.value(3);
        var r = rows[i];
        var centre = api.coord([1, i]);
        var y = centre[1];
        var children = [];
        if (i === 0) {
          var box = params.coordSys;
          children.push({ type: "line", silent: true, z2: 0,
            shape: { x1: centre[0], y1: box.y, x2: centre[0], y2: box.y + box.height },
            style: { stroke: COLORS.muted, lineWidth: 1.5, lineDash: [5, 4] } });
        }
        if (r.ratio === null) {
          children.push({ type: "text", style: { text: "not enough data", x: centre[0] + 6, y: y,
            verticalAlign: "middle", fill: COLORS.muted, font: "italic 12px system-ui, sans-serif" } });
          return { type: "group", children: children };
        }
        var color = r.enough ? (COLORS[r.direction] || COLORS.unclear) : COLORS.none;
        var a = api.coord([r.low, i])[0], b = api.coord([r.high, i])[0], p = api.coord([r.ratio, i])[0];
        var stroke = { stroke: color, lineWidth: 2.5 };
        children.push(
          { type: "line", shape: { x1: a, y1: y, x2: b, y2: y }, style: stroke },
          { type: "line", shape: { x1: a, y1: y - 7, x2: a, y2: y + 7 }, style: stroke },
          { type: "line", shape: { x1: b, y1: y - 7, x2: b, y2: y + 7 }, style: stroke },
          { type: "rect", shape: { x: p - 7, y: y - 7, width: 14, height: 14 }, style: { fill: color } }
        );
        return { type: "group", children: children };
      }
    }];
    chart.setOption(option);
  }

  // Hour of day by weekday: average jerks per logged day in each cell.
  function heatmap() {
    var h = data.heatmap;
    if (!h || !(h.max > 0)) { return; }
    var chart = start("chart-heatmap");
    if (!chart) { return; }
    var cells = [];
    h.values.forEach(function (row, w) { row.forEach(function (v, hour) { cells.push([hour, w, v]); }); });
    function pad(x) { return (x < 10 ? "0" : "") + x; }
    var option = base();
    option.grid = { left: 8, right: 12, top: 8, bottom: 64, containLabel: true };
    option.xAxis = { type: "category", data: h.hours.map(function (x) { return pad(x); }), splitArea: { show: false },
      axisLabel: { hideOverlap: true } };
    option.yAxis = { type: "category", data: h.weekdays, inverse: true };
    option.visualMap = { min: 0, max: h.max, calculable: false, orient: "horizontal", left: "center", bottom: 0,
      itemHeight: 140, itemWidth: 12, text: ["more", "fewer"], textStyle: { color: COLORS.text },
      inRange: { color: ["#f4f6f8", "#fdd49e", "#e34a33", "#7f0000"] } };
    option.tooltip.trigger = "item";
    option.tooltip.formatter = function (p) {
      var hour = p.value[0];
      return tip(h.weekdays[p.value[1]] + " " + pad(hour) + ":00 to " + pad((hour + 1) % 24) + ":00",
        [{ text: num(p.value[2], 1) + " jerks per logged day on average" }]);
    };
    option.series = [{ type: "heatmap", data: cells, progressive: 0,
      itemStyle: { borderColor: "#fff", borderWidth: 1 },
      emphasis: { itemStyle: { borderColor: COLORS.text, borderWidth: 2 } } }];
    chart.setOption(option);
  }

  burden();
  forest("chart-responses", data.responses, "after ÷ before (log scale)");
  forest("chart-triggers", data.triggers, "with ÷ without (log scale)");
  heatmap();
  document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
