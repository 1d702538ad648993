"""The safety stop: a red flag ends any form and points to a healthcare provider."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import answer_record, knowledge, latest_entities

# who to see, for the red flags where a specific professional is the natural contact
SPECIALISTS = {"recent_surgery": "your surgeon or physical therapist",
               "pregnancy": "your obstetrician or midwife",
               "sharp_joint_pain": "a doctor or physical therapist"}


class ActionSafetyStop(Action):
    """Stop, talk to a healthcare provider (emergency services when severe); never a plan."""

    def name(self) -> str:
        return "action_safety_stop"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        kb = knowledge()
        symptom_id = latest_entities(tracker).get("symptom")
        flag = next((f for f in kb.red_flags if f.id == symptom_id), None)
        # a report the red-flag list does not name gets "hold off and see a provider"; the
        # emergency script is for the named severe signs (chest pain, fainting, breathlessness)
        emergency = flag.emergency if flag else False
        dispatcher.utter_message(response="utter_safety_stop", emergency=emergency,
                                 name=flag.name if flag else "",
                                 specialist=SPECIALISTS.get(symptom_id or "", ""),
                                 json_message={"kind": "safety", "symptom": symptom_id,
                                               "emergency": emergency})
        events: list[dict[str, Any]] = [
            SlotSet("injuries", symptom_id or "injury"),  # a later plan asks for clearance first
            SlotSet("last_topic", "risks"),
            SlotSet("last_answer", answer_record("safety", "risks", [], symptom=symptom_id))]
        if tracker.active_loop_name:
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events
