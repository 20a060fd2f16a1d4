"""DistributedDataParallel support: detect torchrun, pick the device, gather results.

torchrun sets ``RANK``, ``LOCAL_RANK`` and ``WORLD_SIZE``; with ``WORLD_SIZE`` > 1 every process
trains on its share of each epoch (a DistributedSampler), gradients are averaged by DDP, and
evaluation results are gathered on every rank so rank 0 can write them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist

from training.errors import ConfigError


@dataclass(frozen=True)
class DistEnv:
    """This process's place in a (possibly single-process) run."""

    rank: int = 0
    local_rank: int = 0
    world_size: int = 1

    @property
    def enabled(self) -> bool:
        """Return True when running under torchrun with more than one process."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Return True on the process that writes files and shows progress."""
        return self.rank == 0


def detect(environ: Mapping[str, str] | None = None) -> DistEnv:
    """Return the DistEnv described by torchrun's environment variables (single if absent)."""
    environ = os.environ if environ is None else environ
    if "WORLD_SIZE" not in environ or "RANK" not in environ:
        return DistEnv()
    return DistEnv(
        rank=int(environ["RANK"]),
        local_rank=int(environ.get("LOCAL_RANK", environ["RANK"])),
        world_size=int(environ["WORLD_SIZE"]),
    )


def resolve_device(name: str, env: DistEnv) -> torch.device:
    """Return the torch device for ``--device`` (auto, cpu, cuda, cuda:N) on this rank.

    Raises
    ------
    ConfigError
        When CUDA is requested but not available.
    """
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(
                f"--device {name} asked for a GPU, but CUDA is not available",
                "pass --device cpu, or install a CUDA build of torch on a GPU machine",
            )
        if name == "cuda":
            name = f"cuda:{env.local_rank if env.enabled else torch.cuda.current_device()}"
        device = torch.device(name)
        torch.cuda.set_device(device)
        return device
    if name != "cpu":
        raise ConfigError(f"--device {name} is not known", "choose auto, cpu or cuda")
    return torch.device("cpu")


def setup(env: DistEnv, device: torch.device) -> None:
    """Join the process group (NCCL on GPUs, gloo on CPUs) when running distributed."""
    if env.enabled and not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend=backend, rank=env.rank, world_size=env.world_size)


def teardown(env: DistEnv) -> None:
    """Leave the process group if this process joined one."""
    if env.enabled and dist.is_initialized():
        dist.destroy_process_group()


def all_sum(values: torch.Tensor, env: DistEnv) -> torch.Tensor:
    """Return ``values`` summed over ranks (the tensor itself when not distributed)."""
    if env.enabled:
        values = values.clone()
        dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return values


def gather_arrays(arrays: dict[str, np.ndarray], env: DistEnv) -> dict[str, np.ndarray]:
    """Return each array concatenated (along axis 0) over ranks, in rank order, on every rank."""
    if not env.enabled:
        return arrays
    gathered: list[dict[str, np.ndarray] | None] = [None] * env.world_size
    dist.all_gather_object(gathered, arrays)
    return {
        key: np.concatenate([part[key] for part in gathered if part is not None]) for key in arrays
    }


def barrier(env: DistEnv) -> None:
    """Wait for every rank (no-op when not distributed)."""
    if env.enabled:
        dist.barrier()
