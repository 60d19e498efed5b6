import { MongoServerError, type Collection, type Db } from "mongodb";
import type { TthcForm } from "../../domain/index.js";
import type { FrozenReports } from "../../app/ports.js";

interface FrozenDocument {
  /** Period and scope: one frozen form each (the _id's own unique index backs the insert). */
  _id: string;
  frozenAt: string;
  report: TthcForm;
}

const DUPLICATE_KEY = 11000;

export class MongoFrozenReports implements FrozenReports {
  private constructor(private readonly collection: Collection<FrozenDocument>) {}

  static open(db: Db, name = "frozen_reports"): MongoFrozenReports {
    return new MongoFrozenReports(db.collection<FrozenDocument>(name));
  }

  async freeze(key: string, report: TthcForm, frozenAt: string) {
    try {
      await this.collection.insertOne({ _id: key, frozenAt, report });
      return { created: true, frozenAt, report };
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
      const existing = await this.get(key);
      if (!existing) throw error;
      return { created: false, ...existing };
    }
  }

  async get(key: string) {
    const document = await this.collection.findOne({ _id: key });
    return document ? { frozenAt: document.frozenAt, report: document.report } : undefined;
  }
}
