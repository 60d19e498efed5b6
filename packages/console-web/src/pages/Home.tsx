import { Alert, Badge, Card, Stack, Table, Text, Title } from "@mantine/core";
import { formatCount, formatDate, formatDateTime, formatPercent } from "@onestop/vn-format";
import type { Home, Ratio } from "../api.js";

const percent = (r: Ratio) => (r.rate === null ? "—" : `${formatPercent(r.rate)} (${formatCount(r.numerator)}/${formatCount(r.denominator)})`);
const QUARTERS = ["", "I", "II", "III", "IV"];

export function HomePage({ home }: { home: Home }) {
  const { viewer, report, status } = home;
  return (
    <Stack>
      <Card withBorder id="nguoi-dung">
        <Text>
          Đang đăng nhập: <strong id="ho-ten">{viewer.name}</strong>
          {viewer.username ? ` (${viewer.username})` : ""}
        </Text>
        <Text>
          Vai trò: <span id="vai-tro">{viewer.roleNames.length ? viewer.roleNames.join(", ") : "Chưa được cấp vai trò"}</span>
        </Text>
        {viewer.jurisdiction ? (
          <Text>
            Phạm vi: <span id="pham-vi-nguoi-dung">{viewer.jurisdiction}</span>
          </Text>
        ) : null}
      </Card>
      <section id="bao-cao">
        {report.kind === "forbidden" ? (
          <>
            <Title order={2}>Báo cáo quý</Title>
            <Alert color="red" id="bao-cao-loi">
              Tài khoản của bạn không có quyền xem báo cáo thống kê (403).{report.detail ? ` ${report.detail}.` : ""}
            </Alert>
          </>
        ) : report.kind === "unavailable" ? (
          <>
            <Title order={2}>Báo cáo quý</Title>
            <Alert color="red" id="bao-cao-loi">
              Chưa lấy được báo cáo: {report.detail}
            </Alert>
          </>
        ) : (
          <>
            <Title order={2}>
              Báo cáo quý {QUARTERS[report.quarter]}/{report.year}
            </Title>
            <Text>
              Kỳ báo cáo: từ {formatDate(report.period.from)} đến {formatDate(report.period.to)}. Phạm vi: <strong id="pham-vi-bao-cao">{report.scope}</strong>
            </Text>
            <Table withTableBorder maw={720} mt="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Chỉ tiêu</Table.Th>
                  <Table.Th className="num">Số liệu</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(
                  [
                    ["received.total", "Hồ sơ tiếp nhận trong kỳ", formatCount(report.totals.received.total), false],
                    ["received.online", "trong đó trực tuyến", formatCount(report.totals.received.online), true],
                    ["resolved.total", "Hồ sơ đã giải quyết", formatCount(report.totals.resolved.total), false],
                    ["resolved.onTimeOrEarly", "đúng hạn hoặc trước hạn", formatCount(report.totals.resolved.onTimeOrEarly), true],
                    ["resolved.overdue", "quá hạn", formatCount(report.totals.resolved.overdue), true],
                    ["pending.total", "Hồ sơ đang giải quyết", formatCount(report.totals.pending.total), false],
                    ["pending.overdue", "trong đó quá hạn", formatCount(report.totals.pending.overdue), true],
                    ["onTime", "Tỷ lệ giải quyết đúng hạn", percent(report.items.onTime), false],
                    ["onlineShareFullServices", "Tỷ lệ hồ sơ trực tuyến (dịch vụ toàn trình)", percent(report.items.onlineShareFullServices), false],
                    ["onlineSharePartialServices", "Tỷ lệ hồ sơ trực tuyến (dịch vụ một phần)", percent(report.items.onlineSharePartialServices), false],
                    ["onlinePayment", "Tỷ lệ thanh toán trực tuyến", percent(report.items.onlinePayment), false],
                  ] as const
                ).map(([id, label, value, sub]) => (
                  <Table.Tr key={id}>
                    <Table.Td pl={sub ? "xl" : undefined}>{label}</Table.Td>
                    <Table.Td className="num" data-chi-tieu={id}>
                      {value}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {report.asOf ? (
              <Text size="sm" c="dimmed" mt="xs">
                Số liệu tính đến {formatDateTime(report.asOf)}
                {report.lagEvents ? `, còn ${formatCount(report.lagEvents)} sự kiện chưa tổng hợp` : ""}.
              </Text>
            ) : null}
          </>
        )}
      </section>
      {status ? (
        <section id="van-hanh">
          <Title order={2}>Dịch vụ</Title>
          <Table withTableBorder maw={960}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Dịch vụ</Table.Th>
                <Table.Th>Địa chỉ</Table.Th>
                <Table.Th>Trạng thái</Table.Th>
                <Table.Th>Chi tiết</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {status.services.map((s) => (
                <Table.Tr key={s.name}>
                  <Table.Td>{s.name}</Table.Td>
                  <Table.Td>{s.url}</Table.Td>
                  <Table.Td>
                    <Badge color={s.ready ? "green" : "red"}>{s.ready ? "Sẵn sàng" : "Chưa sẵn sàng"}</Badge>
                  </Table.Td>
                  <Table.Td>{s.detail}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Title order={2} mt="md">
            Luồng sự kiện (JetStream)
          </Title>
          <Table withTableBorder maw={960}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Luồng</Table.Th>
                <Table.Th>Chủ đề</Table.Th>
                <Table.Th className="num">Số sự kiện</Table.Th>
                <Table.Th className="num">Số consumer</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {status.streams.map((s) => (
                <Table.Tr key={s.name}>
                  <Table.Td>{s.name}</Table.Td>
                  <Table.Td>{s.subjects.join(", ")}</Table.Td>
                  <Table.Td className="num">{formatCount(s.messages)}</Table.Td>
                  <Table.Td className="num">{formatCount(s.consumers)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </section>
      ) : null}
      <Text size="sm" c="dimmed">
        Cập nhật lúc {formatDateTime(home.at)}
      </Text>
    </Stack>
  );
}
