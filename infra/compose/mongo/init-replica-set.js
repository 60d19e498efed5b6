// mongosh script run by the one-shot `mongo-init` service against mongo-1 (direct connection).
// Initiates the replica set rs0 the first time; on later runs it finds the set already
// initiated and only waits for a primary, so `docker compose up` can run it every time.
const replicaSet = {
  _id: "rs0",
  members: [
    // mongo-1 is preferred as primary only to make logs easier to follow; any member may be.
    { _id: 0, host: "mongo-1:27017", priority: 2 },
    { _id: 1, host: "mongo-2:27017", priority: 1 },
    { _id: 2, host: "mongo-3:27017", priority: 1 },
  ],
};
const PRIMARY_TIMEOUT_MS = 60_000;

/** The replica set status, or undefined while the set has never been initiated. */
function currentStatus() {
  try {
    return rs.status();
  } catch (error) {
    if (error.codeName === "NotYetInitialized") return undefined;
    throw error;
  }
}

function hasPrimary(status) {
  return status?.members.some((member) => member.stateStr === "PRIMARY");
}

if (currentStatus() === undefined) {
  print(`initiating replica set ${replicaSet._id}`);
  rs.initiate(replicaSet);
} else {
  print(`replica set ${replicaSet._id} already initiated`);
}

const deadline = Date.now() + PRIMARY_TIMEOUT_MS;
let status = currentStatus();
while (!hasPrimary(status)) {
  if (Date.now() > deadline) {
    print(`no primary elected within ${PRIMARY_TIMEOUT_MS} ms`);
    quit(1);
  }
  sleep(1_000);
  status = currentStatus();
}
print(`primary: ${status.members.find((member) => member.stateStr === "PRIMARY").name}`);
