import type { ServiceStatus, StreamStatus } from "./status.js";

const numberFormat = new Intl.NumberFormat("vi-VN");

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The operator's overview page (Vietnamese): service readiness and event streams. */
export function renderOverview(services: ServiceStatus[], streams: StreamStatus[], at: Date): string {
  const serviceRows = services
    .map(
      (s) => `<tr><td>${escapeHtml(s.name)}</td><td><a href="${escapeHtml(s.url)}/readyz">${escapeHtml(s.url)}</a></td>` +
        `<td class="${s.ready ? "ok" : "down"}">${s.ready ? "Sẵn sàng" : "Chưa sẵn sàng"}</td><td>${escapeHtml(s.detail)}</td></tr>`,
    )
    .join("");
  const streamRows = streams
    .map(
      (s) => `<tr><td>${escapeHtml(s.name)}</td><td>${escapeHtml(s.subjects.join(", "))}</td>` +
        `<td class="num">${numberFormat.format(s.messages)}</td><td class="num">${numberFormat.format(s.consumers)}</td></tr>`,
    )
    .join("");
  const time = at.toLocaleString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh" });
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Một cửa: bảng điều hành</title>
<meta http-equiv="refresh" content="5">
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin-bottom:2rem}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}.num{text-align:right}.ok{color:#0a7a2f}.down{color:#b00020}</style>
</head><body>
<h1>Hệ thống một cửa: bảng điều hành</h1>
<p>Cập nhật lúc ${escapeHtml(time)}</p>
<h2>Dịch vụ</h2>
<table><tr><th>Dịch vụ</th><th>Địa chỉ</th><th>Trạng thái</th><th>Chi tiết</th></tr>${serviceRows}</table>
<h2>Luồng sự kiện (JetStream)</h2>
<table><tr><th>Luồng</th><th>Chủ đề</th><th>Số sự kiện</th><th>Số consumer</th></tr>${streamRows ||
    '<tr><td colspan="4">Chưa có luồng nào</td></tr>'}</table>
</body></html>`;
}
