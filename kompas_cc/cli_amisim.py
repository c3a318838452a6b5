"""`kompas ami-sim`: a simulated Asterisk with call traffic, to try KOMPAS without a PBX."""

from __future__ import annotations

import asyncio
import signal
import sys

from kompas_cc.telephony.simulator import AmiSimulator
from kompas_cc.telephony.simulator_config import TrafficConfig

__all__ = ["connect_hint", "run_ami_sim"]

HOST = "127.0.0.1"


def connect_hint(simulator: AmiSimulator, secret: str) -> str:
    """How to start KOMPAS against the simulator, as a shell line."""
    config = simulator.config
    return (
        f"KOMPAS_AMI_HOST={simulator.host} KOMPAS_AMI_PORT={simulator.port} "
        f"KOMPAS_AMI_USERNAME={simulator.username} KOMPAS_AMI_SECRET={secret} "
        f"KOMPAS_TRUNKS='PJSIP/{config.trunk}-*={config.trunk_lines}' kompas serve"
    )


async def run_ami_sim(
    *, port: int, calls_per_minute: float, seed: int, username: str, secret: str, speed: float
) -> int:
    """Serve until SIGINT or SIGTERM; 1 when the port cannot be had or an option is wrong."""
    try:
        config = TrafficConfig(calls_per_minute=calls_per_minute)
        simulator = AmiSimulator(
            username=username,
            secret=secret,
            host=HOST,
            port=port,
            config=config,
            seed=seed,
            speed=speed,
            traffic=True,
        )
    except ValueError as exc:
        print(f"kompas: {exc}", file=sys.stderr)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for number in signals:
        loop.add_signal_handler(number, stop.set)
    try:
        await simulator.start()
    except OSError as exc:
        print(f"kompas: cannot listen on {HOST}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        print(
            f"AMI simulator listening on {HOST}:{simulator.port}: {calls_per_minute:g} calls "
            f"a minute, seed {seed}, user {username!r}.\n"
            f"Point KOMPAS at it:\n  {connect_hint(simulator, secret)}\n"
            "Stop with Ctrl+C.",
            flush=True,
        )
        await stop.wait()
    finally:
        for number in signals:
            loop.remove_signal_handler(number)
        await simulator.stop()
    print("AMI simulator stopped", flush=True)
    return 0
