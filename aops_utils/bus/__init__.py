"""Message bus seam: Kafka in production, in-process queues for the embedded suite.

Both implementations pass one contract suite (tests/aops_utils/test_bus_contract.py): topics,
consumer groups that share partitions, commit after handling, and redelivery of what a
consumer polled but did not commit when it leaves (or dies).
"""

from aops_utils.bus.protocol import Consumer
from aops_utils.bus.protocol import Message
from aops_utils.bus.protocol import MessageBus
from aops_utils.bus.protocol import Producer
from aops_utils.bus.protocol import RawMessage

__all__ = ["Consumer", "Message", "MessageBus", "Producer", "RawMessage"]
