import type { Role } from "@onestop/auth";
import { Html, html } from "./html.js";
import type { ServiceStatus, StreamStatus } from "./status.js";

const numberFormat = new Intl.NumberFormat("vi-VN");

export const ROLE_LABELS: Record<Role, string> = {
  desk_officer: "Cán bộ tiếp nhận hồ sơ",
  processing_officer: "Cán bộ xử lý hồ sơ",
  province_operator: "Cán bộ vận hành hệ thống cấp tỉnh",
  reporting_viewer: "Người xem báo cáo",
  sector_system: "Hệ thống chuyên ngành",
  service: "Dịch vụ nội bộ",
};

/** Who is signed in, as the home page shows them. */
export interface Viewer {
  name: string;
  username?: string;
  roles: readonly Role[];
  /** Their agency or province, in words ("Sở Tư pháp tỉnh Bắc Ninh (000.00.03.H06)"). */
  jurisdiction?: string;
}

export interface Ratio {
  numerator: number;
  denominator: number;
  rate: number | null;
}

/** The current quarter's figures of the viewer's scope, as reporting answered them. */
export type QuarterView =
  | {
      kind: "report";
      year: number;
      quarter: number;
      period: { from: string; to: string };
      /** The scope reporting narrowed the request to, in words. */
      scope: string;
      asOf?: string;
      lagEvents?: number;
      totals: {
        received: { total: number; online: number };
        resolved: { total: number; onTimeOrEarly: number; overdue: number };
        pending: { total: number; overdue: number };
      };
      items: { onTime: Ratio; onlineShareFullServices: Ratio; onlineSharePartialServices: Ratio; onlinePayment: Ratio };
    }
  | { kind: "forbidden"; detail?: string }
  | { kind: "unavailable"; detail: string };

export interface HomeView {
  viewer?: Viewer;
  report?: QuarterView;
  /** Service readiness and streams: for the province's operators. */
  status?: { services: ServiceStatus[]; streams: StreamStatus[] };
  at: Date;
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:72rem}table{border-collapse:collapse;margin-bottom:2rem}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}.num{text-align:right}.ok{color:#0a7a2f}.down{color:#b00020}
header{display:flex;justify-content:space-between;align-items:baseline;gap:1rem;border-bottom:1px solid #ccc;margin-bottom:1rem}
.notice{padding:.6rem 1rem;border-left:4px solid #b00020;background:#fdf1f2}form{display:inline}button,.button{font:inherit;padding:.3rem .8rem}.sub{padding-left:1.6rem}`;

function layout(title: string, body: Html, refreshSec?: number): Html {
  return html`<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>${title}</title>
${refreshSec ? html`<meta http-equiv="refresh" content="${refreshSec}">` : ""}
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${new Html(STYLE)}</style>
</head><body>
${body}
</body></html>`;
}

const count = (n: number) => numberFormat.format(n);
const percent = (r: Ratio) => (r.rate === null ? "—" : `${(r.rate * 100).toLocaleString("vi-VN", { maximumFractionDigits: 2 })}% (${count(r.numerator)}/${count(r.denominator)})`);
const time = (at: Date) => at.toLocaleString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh" });
const QUARTER_NAMES = ["", "I", "II", "III", "IV"];
const vnDate = (date: string) => date.split("-").reverse().join("/");

function viewerSection(viewer: Viewer): Html {
  return html`<section id="nguoi-dung">
<p>Đang đăng nhập: <strong id="ho-ten">${viewer.name}</strong>${viewer.username ? html` (${viewer.username})` : ""}</p>
<p>Vai trò: <span id="vai-tro">${viewer.roles.length ? viewer.roles.map((role) => ROLE_LABELS[role]).join(", ") : "Chưa được cấp vai trò"}</span></p>
${viewer.jurisdiction ? html`<p>Phạm vi: <span id="pham-vi-nguoi-dung">${viewer.jurisdiction}</span></p>` : ""}
</section>`;
}

function reportSection(report: QuarterView): Html {
  if (report.kind === "forbidden") {
    return html`<section id="bao-cao"><h2>Báo cáo quý</h2>
<p class="notice" id="bao-cao-loi">Tài khoản của bạn không có quyền xem báo cáo thống kê (403).${report.detail ? html` ${report.detail}.` : ""}</p></section>`;
  }
  if (report.kind === "unavailable") {
    return html`<section id="bao-cao"><h2>Báo cáo quý</h2><p class="notice" id="bao-cao-loi">Chưa lấy được báo cáo: ${report.detail}</p></section>`;
  }
  const { totals, items } = report;
  const row = (id: string, label: string, value: string) =>
    html`<tr><td${label.startsWith("  ") ? html` class="sub"` : ""}>${label.trim()}</td><td class="num" data-chi-tieu="${id}">${value}</td></tr>`;
  return html`<section id="bao-cao">
<h2>Báo cáo quý ${QUARTER_NAMES[report.quarter]}/${report.year}</h2>
<p>Kỳ báo cáo: từ ${vnDate(report.period.from)} đến ${vnDate(report.period.to)}. Phạm vi: <strong id="pham-vi-bao-cao">${report.scope}</strong></p>
<table>
<tr><th>Chỉ tiêu</th><th>Số liệu</th></tr>
${row("received.total", "Hồ sơ tiếp nhận trong kỳ", count(totals.received.total))}
${row("received.online", "  trong đó trực tuyến", count(totals.received.online))}
${row("resolved.total", "Hồ sơ đã giải quyết", count(totals.resolved.total))}
${row("resolved.onTimeOrEarly", "  đúng hạn hoặc trước hạn", count(totals.resolved.onTimeOrEarly))}
${row("resolved.overdue", "  quá hạn", count(totals.resolved.overdue))}
${row("pending.total", "Hồ sơ đang giải quyết", count(totals.pending.total))}
${row("pending.overdue", "  trong đó quá hạn", count(totals.pending.overdue))}
${row("onTime", "Tỷ lệ giải quyết đúng hạn", percent(items.onTime))}
${row("onlineShareFullServices", "Tỷ lệ hồ sơ trực tuyến (dịch vụ toàn trình)", percent(items.onlineShareFullServices))}
${row("onlineSharePartialServices", "Tỷ lệ hồ sơ trực tuyến (dịch vụ một phần)", percent(items.onlineSharePartialServices))}
${row("onlinePayment", "Tỷ lệ thanh toán trực tuyến", percent(items.onlinePayment))}
</table>
${report.asOf ? html`<p>Số liệu tính đến ${time(new Date(report.asOf))}${report.lagEvents ? html`, còn ${count(report.lagEvents)} sự kiện chưa tổng hợp` : ""}.</p>` : ""}
</section>`;
}

function statusSection(services: ServiceStatus[], streams: StreamStatus[]): Html {
  const serviceRows = services.map(
    (s) => html`<tr><td>${s.name}</td><td><a href="${s.url}/readyz">${s.url}</a></td><td class="${s.ready ? "ok" : "down"}">${s.ready ? "Sẵn sàng" : "Chưa sẵn sàng"}</td><td>${s.detail}</td></tr>`,
  );
  const streamRows = streams.map((s) => html`<tr><td>${s.name}</td><td>${s.subjects.join(", ")}</td><td class="num">${count(s.messages)}</td><td class="num">${count(s.consumers)}</td></tr>`);
  return html`<section id="van-hanh">
<h2>Dịch vụ</h2>
<table><tr><th>Dịch vụ</th><th>Địa chỉ</th><th>Trạng thái</th><th>Chi tiết</th></tr>${serviceRows}</table>
<h2>Luồng sự kiện (JetStream)</h2>
<table><tr><th>Luồng</th><th>Chủ đề</th><th>Số sự kiện</th><th>Số consumer</th></tr>${streamRows.length ? streamRows : html`<tr><td colspan="4">Chưa có luồng nào</td></tr>`}</table>
</section>`;
}

/** The console's home page (Vietnamese): who is signed in, their quarter's figures, and for operators the services and streams. */
export function renderHome({ viewer, report, status, at }: HomeView): Html {
  const account = viewer
    ? html`<form method="post" action="/dang-xuat"><button type="submit" id="dang-xuat">Đăng xuất</button></form>`
    : html`<a class="button" id="dang-nhap" href="/dang-nhap">Đăng nhập</a>`;
  const body = html`<header><h1>Hệ thống một cửa: bảng điều hành</h1>${account}</header>
${viewer ? viewerSection(viewer) : html`<p>Vui lòng đăng nhập bằng tài khoản được cấp để xem số liệu thuộc phạm vi của mình.</p>`}
${report ? reportSection(report) : ""}
${status ? statusSection(status.services, status.streams) : ""}
<p>Cập nhật lúc ${time(at)}</p>`;
  return layout("Một cửa: bảng điều hành", body, status ? 15 : undefined);
}

/** A short page with a message and a way back (sign-in errors). */
export function renderMessage(title: string, text: string): Html {
  return layout(title, html`<h1>${title}</h1><p class="notice">${text}</p><p><a href="/dang-nhap">Đăng nhập lại</a> · <a href="/">Trang chủ</a></p>`);
}
