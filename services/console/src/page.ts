import type { Role } from "@onestop/auth";
import { Html, html } from "./html.js";

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

const STYLE = `body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:72rem}table{border-collapse:collapse;margin-bottom:2rem}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}.num{text-align:right}.ok{color:#0a7a2f}.down{color:#b00020}
header{display:flex;justify-content:space-between;align-items:baseline;gap:1rem;border-bottom:1px solid #ccc;margin-bottom:1rem}
.notice{padding:.6rem 1rem;border-left:4px solid #b00020;background:#fdf1f2}form{display:inline}button,.button{font:inherit;padding:.3rem .8rem}.sub{padding-left:1.6rem}`;

function layout(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${new Html(STYLE)}</style>
</head><body>
${body}
</body></html>`;
}

/** A short page with a message and a way back (sign-in errors). */
export function renderMessage(title: string, text: string): Html {
  return layout(title, html`<h1>${title}</h1><p class="notice">${text}</p><p><a href="/dang-nhap">Đăng nhập lại</a> · <a href="/">Trang chủ</a></p>`);
}
