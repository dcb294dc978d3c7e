// The three charts, drawn by Chart.js (served from the service's own node_modules, no network).
const { Chart } = window

export const colors = {
  success: "#16a34a",
  partial_success: "#f59e0b",
  failed: "#dc2626",
  processing: "#2563eb",
  queued: "#94a3b8",
  skipped: "#cbd5e1",
  running: "#2563eb",
  not_run: "#e2e8f0"
}

Chart.defaults.font.family = getComputedStyle(document.body).fontFamily
Chart.defaults.color = "#475569"
Chart.defaults.animation = false

const charts = new Map()

/** Creates the chart on first use, then only swaps its data: no flicker on refresh. */
function draw(canvasId, config) {
  const existing = charts.get(canvasId)
  if (existing) {
    existing.data = config.data
    existing.options = config.options
    existing.update()
    return existing
  }
  const chart = new Chart(document.getElementById(canvasId), config)
  charts.set(canvasId, chart)
  return chart
}

const statuses = ["success", "partial_success", "failed", "processing", "queued"]

export function drawRunsByHour({ hours }) {
  draw("runs-chart", {
    type: "bar",
    data: {
      labels: hours.map((bucket) => new Date(bucket.hour).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" })),
      datasets: statuses.map((status) => ({
        label: status.replace("_", " "),
        data: hours.map((bucket) => bucket[status]),
        backgroundColor: colors[status],
        borderRadius: 2
      }))
    },
    options: {
      maintainAspectRatio: false,
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }
      },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }
    }
  })
}

export function drawStageDurations({ stages }) {
  draw("stages-chart", {
    type: "bar",
    data: {
      labels: stages.map((row) => row.stage),
      datasets: [
        { label: "p50", data: stages.map((row) => row.p50_ms), backgroundColor: "#6366f1", borderRadius: 2 },
        { label: "p95", data: stages.map((row) => row.p95_ms), backgroundColor: "#c7d2fe", borderRadius: 2 }
      ]
    },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      scales: { x: { beginAtZero: true, title: { display: true, text: "ms" } }, y: { grid: { display: false }, ticks: { autoSkip: false } } },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }
    }
  })
}

/** One floating bar per stage, from its start to its end within the run. */
export function drawWaterfall(stages) {
  draw("waterfall-chart", {
    type: "bar",
    data: {
      labels: stages.map((row) => row.stage),
      datasets: [{
        label: "stage",
        data: stages.map((row) => row.offset_ms === null ? null : [row.offset_ms, row.offset_ms + Math.max(row.duration_ms ?? 0, 1)]),
        backgroundColor: stages.map((row) => colors[row.status]),
        borderRadius: 2,
        barPercentage: 0.8
      }]
    },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      scales: {
        x: { beginAtZero: true, title: { display: true, text: "ms since the run started" } },
        y: { grid: { display: false }, ticks: { autoSkip: false } }
      },
      plugins: { legend: { display: false } }
    }
  })
}
