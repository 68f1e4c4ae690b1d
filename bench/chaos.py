#!/usr/bin/env python3
"""Chaos clients against a running uvnet hello (loopback only, bounded in time): 64 clients, each connecting over
and over, writing a random pipeline of valid and invalid requests (bodies, chunked, HTTP/1.0, garbage, declined
upgrades, CONNECT, NUL in the path, a body announced and never sent, Expect: 100-continue), whole or in small
pieces, then resetting, ending with a FIN and reading to the close, or reading a little and closing.

    bench/chaos.py PORT SECONDS [SEED]

Prints how many connections ran and how many failed on the client side (a refused connect, say). Compare the
server's descriptors (/proc/PID/fd) and its --stats lines before and after: they must come back.
"""
import asyncio, random, sys, time
PORT=int(sys.argv[1]); DUR=float(sys.argv[2]); random.seed(int(sys.argv[3]) if len(sys.argv)>3 else 1)
reqs=[b"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n",
      b"POST /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
      b"POST /plaintext HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
      b"GET / HTTP/1.0\r\n\r\n", b"GARBAGE\r\n\r\n", b"GET /x HTTP/1.1\r\nHost: x\r\nUpgrade: ws\r\nConnection: upgrade\r\n\r\n",
      b"CONNECT a:1 HTTP/1.1\r\nHost: a\r\n\r\n", b"GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n",
      b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999\r\n\r\nabc",
      b"GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"]
stats={"ok":0,"err":0}
async def client():
    end=time.time()+DUR
    while time.time()<end:
        try:
            r,w=await asyncio.open_connection("127.0.0.1",PORT)
            n=random.randint(1,20)
            data=b"".join(random.choice(reqs) for _ in range(n))
            mode=random.random()
            if mode<0.3:
                for i in range(0,len(data),random.randint(1,50)):
                    w.write(data[i:i+50]); await w.drain()
            else:
                w.write(data); await w.drain()
            act=random.random()
            if act<0.2:
                w.transport.abort()   # reset
            elif act<0.5:
                w.write_eof()
                try: await asyncio.wait_for(r.read(), 5)
                except Exception: pass
                w.close()
            else:
                try: await asyncio.wait_for(r.read(random.randint(1,4000)), 2)
                except Exception: pass
                w.close()
            stats["ok"]+=1
        except Exception as e:
            stats["err"]+=1
async def main():
    await asyncio.gather(*[client() for _ in range(64)])
    print(stats)
asyncio.run(main())
