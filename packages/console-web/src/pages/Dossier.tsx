import { Alert, Anchor, Badge, Button, Card, Group, Loader, Stack, Text, Timeline, Title } from "@mantine/core";
import { formatDate, formatDateTime } from "@onestop/vn-format";
import { useEffect, useState } from "react";
import { type ApiError, getJson, type DossierTimeline } from "../api.js";
import { SOURCE_NAMES } from "../labels.js";
import { link } from "../router.js";

const SOURCE_COLORS: Record<string, string> = { intake: "blue", lienthong: "grape", payment: "teal", digitisation: "orange" };

/** A dossier's timeline from every service, in time order. */
export function DossierPage({ code }: { code: string }) {
  const [data, setData] = useState<DossierTimeline | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  useEffect(() => {
    getJson<DossierTimeline>(`/api/dossiers/${encodeURIComponent(code)}/timeline`).then(setData, setError);
  }, [code]);
  if (error)
    return (
      <Alert color="red" title={error.title} id="ho-so-loi">
        {error.detail}
      </Alert>
    );
  if (!data) return <Loader />;
  const { dossier } = data;
  const open = !dossier.resolvedAt;
  const overdue = open && dossier.dueAt !== "" && Date.parse(dossier.dueAt) < Date.now();
  const missing = (["lienthong", "payment", "digitisation"] as const).filter((source) => !data.sources[source]);
  return (
    <Stack>
      <Title order={2}>
        Hồ sơ <span id="ma-ho-so">{dossier.code}</span>
      </Title>
      <Card withBorder>
        <Text>
          Thủ tục: <strong>{dossier.procedureName}</strong> ({dossier.procedureCode})
        </Text>
        <Text>Cơ quan giải quyết: {dossier.agencyName}</Text>
        <Text>Tiếp nhận: {formatDateTime(dossier.receivedAt)}</Text>
        <Text>
          Hạn trả kết quả: <strong id="han-tra">{dossier.dueAt ? formatDate(dossier.dueAt) : "chưa xác định (đang dừng tính thời gian)"}</strong>
          {dossier.deadlineExtended ? ` (đã hẹn lại; hạn ban đầu ${formatDate(dossier.originalDueAt)})` : ""}
        </Text>
        {dossier.resolvedAt ? <Text>Giải quyết xong: {formatDateTime(dossier.resolvedAt)}</Text> : null}
        <Group mt="sm">
          {overdue ? (
            <Badge color="red" id="qua-han">
              Quá hạn
            </Badge>
          ) : open ? (
            <Badge color="blue">Đang giải quyết</Badge>
          ) : (
            <Badge color="green">Đã giải quyết</Badge>
          )}
          {open ? (
            <Button component="a" variant="light" id="lap-phieu-xin-loi" {...link(`/ho-so/${encodeURIComponent(dossier.code)}/phieu-xin-loi`)}>
              Phiếu xin lỗi và hẹn lại ngày trả kết quả
            </Button>
          ) : null}
        </Group>
      </Card>
      <Title order={3}>Dòng thời gian</Title>
      <Timeline bulletSize={18} lineWidth={2} id="dong-thoi-gian">
        {data.timeline.map((item, i) => (
          <Timeline.Item key={i} color={SOURCE_COLORS[item.source]} title={item.title} data-nguon={item.source}>
            <Text size="sm" c="dimmed">
              {formatDateTime(item.at)} · {SOURCE_NAMES[item.source]}
              {item.agencyCode ? ` · ${item.agencyCode}` : ""}
            </Text>
            {item.detail ? <Text size="sm">{item.detail}</Text> : null}
          </Timeline.Item>
        ))}
      </Timeline>
      {missing.length ? (
        <Text size="sm" c="dimmed">
          Chưa có dữ liệu từ: {missing.map((source) => SOURCE_NAMES[source]).join(", ")}.
        </Text>
      ) : null}
      <Anchor {...link("/ho-so-cham-muon")}>← Danh sách hồ sơ chậm muộn</Anchor>
    </Stack>
  );
}
