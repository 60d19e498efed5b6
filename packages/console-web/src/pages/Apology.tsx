import { Alert, Anchor, Button, Group, Loader, Paper, Stack, Text, TextInput, Textarea, Title } from "@mantine/core";
import { formatDate } from "@onestop/vn-format";
import { useEffect, useState } from "react";
import { type ApiError, type Apology, getJson, postJson, type ApologyLetter } from "../api.js";
import { link } from "../router.js";

/** The apology letter (Mẫu 04): issued once through intake's extension, then printable and as a PDF. */
export function ApologyPage({ code }: { code: string }) {
  const [apology, setApology] = useState<Apology | undefined>(undefined);
  const [reason, setReason] = useState("");
  const [newDueDate, setNewDueDate] = useState("");
  const [error, setError] = useState<ApiError | undefined>();
  const [sending, setSending] = useState(false);
  const path = `/api/dossiers/${encodeURIComponent(code)}/apology`;

  useEffect(() => {
    getJson<Apology>(path).then(setApology, setError);
  }, [path]);

  const submit = async () => {
    setSending(true);
    setError(undefined);
    try {
      setApology(await postJson<Apology>(path, { reason: reason.normalize("NFC"), newDueDate }));
    } catch (failure) {
      setError(failure as ApiError);
    } finally {
      setSending(false);
    }
  };

  const fieldError = (name: string) => error?.errors.find((e) => e.path === name)?.message;
  if (apology === undefined && !error) return <Loader />;
  const letter = apology?.letter;
  const rules = apology?.window;
  return (
    <Stack>
      <Title order={2} className="no-print">
        Phiếu xin lỗi và hẹn lại ngày trả kết quả: hồ sơ {code}
      </Title>
      {error ? (
        <Alert color="red" title={error.title} id="phieu-loi" className="no-print">
          {error.detail}
        </Alert>
      ) : null}
      {letter ? (
        <>
          <Group className="no-print">
            <Button onClick={() => window.print()} id="in-phieu">
              In phiếu
            </Button>
            <Button component="a" variant="light" href={`/phieu-xin-loi/${encodeURIComponent(code)}.pdf`} id="tai-pdf">
              Tải PDF
            </Button>
          </Group>
          <Letter letter={letter} />
        </>
      ) : rules && !rules.open ? (
        <Alert color="orange" title="Không lập được phiếu xin lỗi" id="phieu-khong-lap-duoc" className="no-print">
          {rules.message}
          {rules.dueDate && rules.latestSendDate ? ` Hạn trả kết quả: ${formatDate(rules.dueDate)}; hạn chót gửi phiếu: ${formatDate(rules.latestSendDate)}.` : ""}
        </Alert>
      ) : rules?.open ? (
        <Paper withBorder p="md" maw={640} className="no-print">
          <Text size="sm" mb="sm" id="dieu-kien-phieu">
            Hạn trả kết quả hiện tại: {formatDate(rules.dueDate)}. Phiếu phải được gửi chậm nhất ngày {formatDate(rules.latestSendDate)} (một ngày trước ngày hẹn trả), và chỉ được hẹn lại một lần;
            ngày hẹn mới là một ngày làm việc, từ {formatDate(rules.earliestNewDueDate)}. Việc hẹn lại được ghi nhận qua hệ thống tiếp nhận, rồi in phiếu gửi công dân.
          </Text>
          <Textarea id="ly-do" label="Lý do chậm trễ" autosize minRows={3} value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={fieldError("reason")} required />
          <TextInput
            id="ngay-hen-moi"
            label="Ngày hẹn trả kết quả mới"
            type="date"
            min={rules.earliestNewDueDate}
            value={newDueDate}
            onChange={(e) => setNewDueDate(e.currentTarget.value)}
            error={fieldError("newDueDate")}
            required
            mt="sm"
          />
          <Button mt="md" onClick={() => void submit()} loading={sending} id="phat-hanh-phieu">
            Lập phiếu xin lỗi
          </Button>
        </Paper>
      ) : null}
      <Anchor className="no-print" {...link(`/ho-so/${encodeURIComponent(code)}`)}>
        ← Dòng thời gian của hồ sơ
      </Anchor>
    </Stack>
  );
}

function Letter({ letter }: { letter: ApologyLetter }) {
  return (
    <Paper withBorder p="xl" className="letter" id="phieu-xin-loi">
      <Text ta="right" fs="italic" size="sm">
        {letter.form}
      </Text>
      <Group justify="space-between" align="start" wrap="nowrap" mt="sm">
        <div style={{ textAlign: "center", width: "42%" }}>
          <div>{letter.header.parent}</div>
          <strong>{letter.header.agency}</strong>
          <div>{letter.header.number}</div>
        </div>
        <div style={{ textAlign: "center", width: "58%" }}>
          <strong>{letter.header.motto}</strong>
          <div style={{ textDecoration: "underline", fontWeight: 600 }}>{letter.header.slogan}</div>
          <em>{letter.header.placeAndDate}</em>
        </div>
      </Group>
      <h3 style={{ textAlign: "center", marginTop: "1.5rem" }} id="tieu-de-phieu">
        {letter.title}
      </h3>
      <p style={{ textAlign: "center" }}>{letter.addressee}</p>
      {letter.paragraphs.map((paragraph, i) => (
        <p className="body" key={i}>
          {paragraph}
        </p>
      ))}
      <p className="body">{letter.closing}</p>
      <Group justify="space-between" align="start" mt="lg" wrap="nowrap">
        <div style={{ fontSize: 13 }}>{letter.recipients.map((line, i) => (i === 0 ? <strong key={i}>{line}</strong> : <div key={i}>{line}</div>))}</div>
        <div style={{ textAlign: "center" }}>
          <strong>{letter.signature.role}</strong>
          <div>
            <em>{letter.signature.note}</em>
          </div>
        </div>
      </Group>
    </Paper>
  );
}
