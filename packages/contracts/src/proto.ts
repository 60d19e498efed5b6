// Every generated message, enum and service, flat (names are unique across the proto packages).
// test/proto-exports.test.ts checks that each generated file is listed.
export * from "./gen/onestop/common/v1/dead_letter.js";
export * from "./gen/onestop/common/v1/enums.js";
export * from "./gen/onestop/common/v1/envelope.js";
export * from "./gen/onestop/common/v1/errors.js";
export * from "./gen/onestop/common/v1/money.js";
export * from "./gen/onestop/common/v1/period.js";
export * from "./gen/onestop/common/v1/person.js";
export * from "./gen/onestop/common/v1/time_limit.js";
export * from "./gen/onestop/digitisation/v1/digitisation_service.js";
export * from "./gen/onestop/digitisation/v1/document.js";
export * from "./gen/onestop/digitisation/v1/events.js";
export * from "./gen/onestop/dossier/v1/catalog.js";
export * from "./gen/onestop/dossier/v1/dossier.js";
export * from "./gen/onestop/dossier/v1/events.js";
export * from "./gen/onestop/dossier/v1/intake_service.js";
export * from "./gen/onestop/lienthong/v1/bundle.js";
export * from "./gen/onestop/lienthong/v1/events.js";
export * from "./gen/onestop/lienthong/v1/lienthong_service.js";
export * from "./gen/onestop/payment/v1/events.js";
export * from "./gen/onestop/payment/v1/payment.js";
export * from "./gen/onestop/payment/v1/payment_service.js";
export * from "./gen/onestop/reporting/v1/reporting_service.js";
export * from "./gen/onestop/reporting/v1/reports.js";
