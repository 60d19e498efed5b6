import { Alert, Anchor, Card, Group, Loader, Select, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { formatCount, formatDate, formatDateTime, formatPercent, formatPoints, formatQuarter } from "@onestop/vn-format";
import type { EChartsOption } from "echarts";
import { useEffect, useMemo, useState } from "react";
import { type ApiError, getJson, type Ratio } from "../api.js";
import { Chart } from "../chart.js";
import { LEVEL_NAMES } from "../labels.js";

interface Counts {
  received: { total: number; online: number; carriedOver: number; inPerson: number; postal: number };
  resolved: { total: number; onTimeOrEarly: number; early: number; onTime: number; overdue: number };
  pending: { total: number; notYetDue: number; overdue: number };
  supplementRequested: number;
  returned: { total: number };
  resultsByPost: number;
}
interface Tthc {
  asOf: string;
  lagEvents: number;
  period: { from: string; to: string };
  rows: Array<Counts & { no: number; sectorCode: string; sectorName: string }>;
  totals: Counts;
  checks: Array<{ rule: string; description: string; holds: boolean }>;
}
interface LevelItems {
  onTime: Ratio;
  servicesWithOnlineDossiers: Ratio;
  onlineShareFullServices: Ratio;
  onlineSharePartialServices: Ratio;
  onlinePayment: Ratio;
}
interface Quarterly {
  byLevel: Array<{ level: string; items: LevelItems }>;
  total: LevelItems;
}
interface Indicators {
  items: Array<{ group: string; code: string; name: string; maxPoints: number; status: string; rate?: number | null; points?: number | null; note?: string }>;
  computedPoints: number;
  computedMaxPoints: number;
}

const vnToday = () => new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
const percentOf = (r: Ratio) => (r.rate === null ? "—" : formatPercent(r.rate));
const rate100 = (r: Ratio) => (r.rate === null ? 0 : Math.round(r.rate * 1000) / 10);
/** Chart labels and tooltips in Vietnamese format. */
const percentLabel = { show: true, position: "top" as const, formatter: (p: { value: unknown }) => formatPercent(Number(p.value) / 100, 1) };

function bars(categories: string[], values: number[], name: string, color: string, max = 100): EChartsOption {
  return {
    grid: { left: 48, right: 16, top: 32, bottom: 72 },
    tooltip: { trigger: "axis", valueFormatter: (v) => formatPercent(Number(v) / 100, 1) },
    xAxis: { type: "category", data: categories, axisLabel: { interval: 0, rotate: categories.length > 4 ? 30 : 0, width: 120, overflow: "truncate" } },
    yAxis: { type: "value", max, axisLabel: { formatter: (v: number) => `${formatCount(v)}%` } },
    series: [{ type: "bar", name, data: values, itemStyle: { color }, label: percentLabel }],
  };
}

/** The quarter: the statistics form, the quarterly items and the Decision 766 scores, with charts and XLSX downloads. */
export function QuarterPage() {
  const today = vnToday();
  const year = Number(today.slice(0, 4));
  const currentQuarter = Math.floor((Number(today.slice(5, 7)) - 1) / 3) + 1;
  const choices = useMemo(() => {
    const list: string[] = [];
    for (let y = year, q = currentQuarter; list.length < 12; q === 1 ? ((q = 4), y--) : q--) list.push(`${y}-Q${q}`);
    return list;
  }, [year, currentQuarter]);
  const [period, setPeriod] = useState(choices[0]!);
  const [data, setData] = useState<{ tthc: Tthc; quarterly: Quarterly; indicators: Indicators } | undefined>();
  const [error, setError] = useState<ApiError | undefined>();

  useEffect(() => {
    const [y, q] = period.split("-Q");
    setData(undefined);
    setError(undefined);
    Promise.all([
      getJson<Tthc>(`/v1/reports/tthc?period=${period}`),
      getJson<Quarterly>(`/v1/reports/quarterly?year=${y}&quarter=${q}`),
      getJson<Indicators>(`/v1/reports/indicators-766?period=${period}`),
    ]).then(([tthc, quarterly, indicators]) => setData({ tthc, quarterly, indicators }), setError);
  }, [period]);

  const [y, q] = period.split("-Q");
  return (
    <Stack>
      <Group justify="space-between" align="end">
        <Title order={2}>Báo cáo {formatQuarter(period)}</Title>
        <Select
          id="chon-ky"
          label="Kỳ báo cáo"
          data={choices.map((value) => ({ value, label: formatQuarter(value) }))}
          value={period}
          onChange={(value) => value && setPeriod(value)}
          allowDeselect={false}
          w={180}
          className="no-print"
        />
      </Group>
      {error ? (
        <Alert color="red" title={error.title} id="bao-cao-quy-loi">
          {error.status === 403 ? "Tài khoản của bạn không có quyền xem báo cáo thống kê (403). " : ""}
          {error.detail}
        </Alert>
      ) : !data ? (
        <Loader />
      ) : (
        <QuarterView data={data} period={period} year={y!} quarter={q!} />
      )}
    </Stack>
  );
}

function QuarterView({ data, period, year, quarter }: { data: { tthc: Tthc; quarterly: Quarterly; indicators: Indicators }; period: string; year: string; quarter: string }) {
  const { tthc, quarterly, indicators } = data;
  const groups = useMemo(() => {
    const byGroup = new Map<string, { points: number; max: number }>();
    for (const item of indicators.items) {
      const group = byGroup.get(item.group) ?? { points: 0, max: 0 };
      group.points += item.points ?? 0;
      group.max += item.maxPoints;
      byGroup.set(item.group, group);
    }
    return [...byGroup.entries()];
  }, [indicators]);
  const sectorsResolved = tthc.rows.filter((row) => row.resolved.total > 0);
  const charts = {
    level: bars(
      quarterly.byLevel.map((l) => LEVEL_NAMES[l.level] ?? l.level),
      quarterly.byLevel.map((l) => rate100(l.items.onTime)),
      "Tỷ lệ đúng hạn",
      "#c92a2a",
    ),
    sector: bars(
      sectorsResolved.map((row) => row.sectorName),
      sectorsResolved.map((row) => Math.round((row.resolved.onTimeOrEarly / row.resolved.total) * 1000) / 10),
      "Tỷ lệ đúng hạn",
      "#1971c2",
    ),
    online: bars(
      ["Hồ sơ trực tuyến (toàn trình)", "Hồ sơ trực tuyến (một phần)", "Thanh toán trực tuyến", "TTHC có hồ sơ trực tuyến"],
      [
        rate100(quarterly.total.onlineShareFullServices),
        rate100(quarterly.total.onlineSharePartialServices),
        rate100(quarterly.total.onlinePayment),
        rate100(quarterly.total.servicesWithOnlineDossiers),
      ],
      "Tỷ lệ",
      "#2f9e44",
    ),
    groups: {
      grid: { left: 48, right: 16, top: 32, bottom: 72 },
      legend: { data: ["Điểm đạt", "Điểm tối đa"], top: 0 },
      tooltip: { trigger: "axis", valueFormatter: (v) => formatPoints(Number(v)) },
      xAxis: { type: "category", data: groups.map(([name]) => name), axisLabel: { interval: 0, rotate: 20, width: 110, overflow: "truncate" } },
      yAxis: { type: "value" },
      series: [
        {
          type: "bar",
          name: "Điểm đạt",
          data: groups.map(([, g]) => Math.round(g.points * 100) / 100),
          itemStyle: { color: "#e8590c" },
          label: { show: true, position: "top", formatter: (p: { value: unknown }) => formatPoints(Number(p.value)) },
        },
        { type: "bar", name: "Điểm tối đa", data: groups.map(([, g]) => g.max), itemStyle: { color: "#ced4da" } },
      ],
    } satisfies EChartsOption,
  };
  const xlsx = (path: string) => `${path}${path.includes("?") ? "&" : "?"}format=xlsx`;
  const t = tthc.totals;
  return (
    <Stack>
      <Text size="sm" c="dimmed" id="thong-tin-ky">
        Từ {formatDate(tthc.period.from)} đến {formatDate(tthc.period.to)}; số liệu lúc {formatDateTime(tthc.asOf)}
        {tthc.lagEvents ? `, còn ${formatCount(tthc.lagEvents)} sự kiện chưa tổng hợp` : ""}.
      </Text>
      <Group className="no-print">
        <Anchor href={xlsx(`/v1/reports/tthc?period=${period}`)} id="xlsx-thong-ke">
          Tải XLSX: biểu thống kê
        </Anchor>
        <Anchor href={xlsx(`/v1/reports/quarterly?year=${year}&quarter=${quarter}`)} id="xlsx-bieu-mau-3">
          Tải XLSX: biểu mẫu quý
        </Anchor>
        <Anchor href={xlsx(`/v1/reports/indicators-766?period=${period}`)} id="xlsx-766">
          Tải XLSX: Bộ chỉ số 766
        </Anchor>
      </Group>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Card withBorder>
          <Title order={4}>Tỷ lệ giải quyết đúng hạn theo cấp</Title>
          <Chart option={charts.level} id="bieu-do-cap" />
        </Card>
        <Card withBorder>
          <Title order={4}>Tỷ lệ giải quyết đúng hạn theo lĩnh vực</Title>
          {sectorsResolved.length ? <Chart option={charts.sector} id="bieu-do-linh-vuc" /> : <Text>Chưa có hồ sơ giải quyết trong kỳ.</Text>}
        </Card>
        <Card withBorder>
          <Title order={4}>Dịch vụ công trực tuyến và thanh toán trực tuyến</Title>
          <Chart option={charts.online} id="bieu-do-truc-tuyen" />
        </Card>
        <Card withBorder>
          <Title order={4}>
            Bộ chỉ số 766: {formatPoints(indicators.computedPoints)}/{formatPoints(indicators.computedMaxPoints)} điểm tính được
          </Title>
          <Chart option={charts.groups} id="bieu-do-766" />
        </Card>
      </SimpleGrid>
      <Title order={3}>Thống kê kết quả giải quyết TTHC</Title>
      <Table.ScrollContainer minWidth={1100}>
        <Table withTableBorder withColumnBorders id="bang-thong-ke" fz="xs">
          <Table.Thead>
            <Table.Tr>
              {[
                "STT",
                "Lĩnh vực",
                "Tổng tiếp nhận",
                "Trực tuyến",
                "Kỳ trước chuyển qua",
                "Trực tiếp",
                "Bưu chính",
                "Đã giải quyết",
                "Đúng hạn",
                "Quá hạn",
                "Đang giải quyết",
                "Chưa đến hạn",
                "Quá hạn",
                "Yêu cầu bổ sung",
                "Trả lại/rút",
                "Trả kết quả qua BCCI",
              ].map((h, i) => (
                <Table.Th key={i}>{h}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {[...tthc.rows.filter((row) => row.received.total > 0 || row.pending.total > 0 || row.resolved.total > 0), { ...t, no: 0, sectorCode: "", sectorName: "Tổng số" }].map((row) => (
              <Table.Tr key={row.sectorCode || "tong"} fw={row.sectorCode ? undefined : 700}>
                <Table.Td>{row.no || ""}</Table.Td>
                <Table.Td>{row.sectorName}</Table.Td>
                {[
                  row.received.total,
                  row.received.online,
                  row.received.carriedOver,
                  row.received.inPerson,
                  row.received.postal,
                  row.resolved.total,
                  row.resolved.onTimeOrEarly,
                  row.resolved.overdue,
                  row.pending.total,
                  row.pending.notYetDue,
                  row.pending.overdue,
                  row.supplementRequested,
                  row.returned.total,
                  row.resultsByPost,
                ].map((value, i) => (
                  <Table.Td key={i} className="num">
                    {formatCount(value)}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Text size="sm" id="kiem-tra">
        Kiểm tra:{" "}
        {tthc.checks.every((c) => c.holds)
          ? "mọi ràng buộc của biểu đều thỏa mãn"
          : tthc.checks
              .filter((c) => !c.holds)
              .map((c) => c.description)
              .join("; ")}
        .
      </Text>
      <Title order={3}>Biểu mẫu quý: tỷ lệ theo cấp</Title>
      <Table withTableBorder id="bang-quy" maw={1000}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Cấp</Table.Th>
            <Table.Th className="num">Đúng hạn</Table.Th>
            <Table.Th className="num">TTHC có hồ sơ trực tuyến</Table.Th>
            <Table.Th className="num">Trực tuyến (toàn trình)</Table.Th>
            <Table.Th className="num">Trực tuyến (một phần)</Table.Th>
            <Table.Th className="num">Thanh toán trực tuyến</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {[...quarterly.byLevel.map((l) => ({ label: LEVEL_NAMES[l.level] ?? l.level, items: l.items })), { label: "Tổng", items: quarterly.total }].map(({ label, items }) => (
            <Table.Tr key={label}>
              <Table.Td>{label}</Table.Td>
              <Table.Td className="num">
                {percentOf(items.onTime)} ({formatCount(items.onTime.numerator)}/{formatCount(items.onTime.denominator)})
              </Table.Td>
              <Table.Td className="num">{percentOf(items.servicesWithOnlineDossiers)}</Table.Td>
              <Table.Td className="num">{percentOf(items.onlineShareFullServices)}</Table.Td>
              <Table.Td className="num">{percentOf(items.onlineSharePartialServices)}</Table.Td>
              <Table.Td className="num">{percentOf(items.onlinePayment)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Title order={3}>Bộ chỉ số theo Quyết định 766/QĐ-TTg</Title>
      <Table withTableBorder id="bang-766" fz="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Nhóm</Table.Th>
            <Table.Th>Chỉ số</Table.Th>
            <Table.Th className="num">Tỷ lệ</Table.Th>
            <Table.Th className="num">Điểm</Table.Th>
            <Table.Th className="num">Tối đa</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {indicators.items.map((item) => (
            <Table.Tr key={item.code}>
              <Table.Td>{item.group}</Table.Td>
              <Table.Td>
                {item.name}
                {item.note ? (
                  <Text size="xs" c="dimmed">
                    {item.note}
                  </Text>
                ) : null}
              </Table.Td>
              <Table.Td className="num">{item.rate === undefined || item.rate === null ? "—" : formatPercent(item.rate)}</Table.Td>
              <Table.Td className="num">{item.points === undefined ? "—" : formatPoints(item.points)}</Table.Td>
              <Table.Td className="num">{formatPoints(item.maxPoints)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
