/** The UI's Vietnamese words for the codes the services answer. */
export const LEVEL_NAMES: Record<string, string> = { PROVINCE: "Cấp tỉnh", DISTRICT: "Cấp huyện", COMMUNE: "Cấp xã" };

export const STATE_NAMES: Record<string, string> = { PROCESSING: "Đang xử lý", AWAITING_SUPPLEMENT: "Chờ công dân bổ sung", PAUSED: "Tạm dừng" };

export const SOURCE_NAMES: Record<string, string> = { intake: "Tiếp nhận", lienthong: "Liên thông", payment: "Thanh toán", digitisation: "Số hóa" };
