"""`kompas ami-sim`: a simulated Asterisk that KOMPAS connects to with the settings it prints."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import signal
import sys
from pathlib import Path

from kompas_cc.core.clock import SystemClock
from kompas_cc.core.events import Event
from kompas_cc.settings import load_settings
from kompas_cc.settings_ami import Trunk
from kompas_cc.telephony.ami import AmiConnection
from kompas_cc.telephony.amievents import Newchannel
from kompas_cc.telephony.amilink import AmiChannelsListed, AmiConfig

LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")


async def _line(stream: asyncio.StreamReader) -> str:
    return (await asyncio.wait_for(stream.readline(), 10)).decode()


async def test_ami_sim_prints_settings_that_connect_kompas_to_its_calls(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOMPAS_")}
    env["KOMPAS_CONFIG"] = str(tmp_path / "absent.toml")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "kompas_cc", "ami-sim", "--port", "0", "--calls-per-minute", "600"),
        *("--seed", "4", "--speed", "10", "--username", "crm", "--secret", "s3cret"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=env,
    )
    assert process.stdout is not None
    try:
        banner = await _line(process.stdout)
        assert await _line(process.stdout) == "Point KOMPAS at it:\n"
        hint = shlex.split(await _line(process.stdout))
        port = LISTENING.search(banner)
        assert port is not None, banner
        assert hint[-2:] == ["kompas", "serve"]
        settings = load_settings(
            config_path=tmp_path / "absent.toml",
            environ=dict(word.split("=", 1) for word in hint[:-2]),
        )
        heard: list[Event] = []
        link = AmiConnection(
            AmiConfig.from_settings(settings), clock=SystemClock(), sink=heard.append
        )
        link.start()
        try:
            for _ in range(2000):
                if any(isinstance(event, Newchannel) for event in heard):
                    break
                await asyncio.sleep(0.005)
        finally:
            await link.close()
        process.send_signal(signal.SIGTERM)
        rest = await asyncio.wait_for(process.stdout.read(), 10)
        code = await asyncio.wait_for(process.wait(), 10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert settings.ami_enabled
    assert (settings.ami_port, settings.ami_username, settings.ami_secret) == (
        int(port.group(1)),
        "crm",
        "s3cret",
    )
    assert settings.trunks == (Trunk("PJSIP/trunk-*", 30),)
    assert any(isinstance(event, AmiChannelsListed) for event in heard)
    assert any(isinstance(event, Newchannel) for event in heard)
    assert "AMI simulator stopped" in rest.decode()
    assert code == 0
