/** An in-memory projection for tests: facts per dossier, folded from envelopes in the order given. */
import { emptyFacts, foldEvent, type DossierFacts, type EnvelopeInput } from "../../src/domain/index.js";
import { fact } from "./events.js";

export class InMemoryFacts {
  readonly byCode = new Map<string, DossierFacts>();

  given(...envelopes: EnvelopeInput[]): this {
    for (const envelope of envelopes) {
      const current = this.byCode.get(envelope.subject) ?? emptyFacts(envelope.subject);
      this.byCode.set(envelope.subject, foldEvent(current, fact(envelope)));
    }
    return this;
  }

  all(): DossierFacts[] {
    return [...this.byCode.values()];
  }
}
