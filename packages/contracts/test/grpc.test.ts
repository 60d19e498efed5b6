// The generated grpc-js service definitions carry requests and answers both ways.
import { credentials, Server, ServerCredentials, status, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ComputeDeadlineRequest, type ComputeDeadlineResponse, IntakeServiceClient, type IntakeServiceServer, IntakeServiceService, TimeUnit } from "../src/proto.js";

describe("IntakeService over grpc-js", () => {
  const server = new Server();
  let client: IntakeServiceClient;
  const seen: ComputeDeadlineRequest[] = [];

  beforeAll(async () => {
    const unimplemented = (_call: unknown, callback: (error: Partial<ServiceError>) => void): void => callback({ code: status.UNIMPLEMENTED, details: "not in this test" });
    const implementation: IntakeServiceServer = {
      submitDossier: unimplemented,
      recordDossierEvent: unimplemented,
      getDossier: (_call, callback) => callback({ code: status.NOT_FOUND, details: "Không tìm thấy hồ sơ" }),
      listProcedures: unimplemented,
      listAgencies: unimplemented,
      listNonWorkingDays: unimplemented,
      computeDeadline: (call, callback) => {
        seen.push(call.request);
        const answer: ComputeDeadlineResponse = { dueAt: "2024-09-04T09:30:00+07:00" };
        callback(null, answer);
      },
    };
    server.addService(IntakeServiceService, implementation);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    client = new IntakeServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  it("sends the request's fields and reads the answer", async () => {
    const request: ComputeDeadlineRequest = {
      from: "2024-08-28T09:30:00+07:00",
      amount: 3,
      unit: TimeUnit.TIME_UNIT_WORKING_DAYS,
      sameDay: false,
    };
    const answer = await new Promise<ComputeDeadlineResponse>((resolve, reject) => client.computeDeadline(request, (error, response) => (error ? reject(error) : resolve(response))));
    expect(seen).toEqual([request]);
    expect(answer).toEqual({ dueAt: "2024-09-04T09:30:00+07:00" });
  });

  it("passes status codes and details", async () => {
    const error = await new Promise<ServiceError | null>((resolve) => client.getDossier({ code: "000.00.12.H10-240715-9999" }, (failure) => resolve(failure)));
    expect(error?.code).toBe(status.NOT_FOUND);
    expect(error?.details).toBe("Không tìm thấy hồ sơ");
  });
});
