"""FIFO reference model, round 1: rd_data fixed, but the underflow check dropped."""
DEPTH = 8
queue = []
flags = {"overflow": 0, "underflow": 0}


def step(i):
    full = len(queue) == DEPTH
    empty = len(queue) == 0
    flags["overflow"] = int(bool(i["wr_en"] and full and not i["rd_en"]))
    flags["underflow"] = int(bool(i["rd_en"] and empty))
    if i["rd_en"] and not empty:
        queue.pop(0)
    if i["wr_en"] and not full:
        queue.append(i["wr_data"])


def SCOREBOARD_RESET(first):
    queue.clear()
    step(first["in"])


def SCOREBOARD(txn, prev):
    step(txn["in"])
    out = txn["out"]
    n = len(queue)
    if out["count"] != n:
        return f"count is {out['count']}, the spec model holds {n} entries"
    if out["full"] != int(n == DEPTH):
        return f"full is {out['full']} with {n} entries"
    if out["empty"] != int(n == 0):
        return f"empty is {out['empty']} with {n} entries"
    if n and out["rd_data"] != queue[0]:
        return f"rd_data is {out['rd_data']:#x}, the oldest entry is {queue[0]:#x}"
    if out["overflow"] != flags["overflow"]:
        return f"overflow is {out['overflow']}, expected {flags['overflow']}"
    return None
