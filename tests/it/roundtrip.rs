//! The examples survive load → serialize → load unchanged, and cover every kind.

use pchat::config;
use pchat::model::Kind;

use crate::common::root;

#[test]
fn litware_covers_every_kind_and_round_trips() {
    let loaded = config::load(&[root().join("examples/litware")]).expect("litware is valid");
    let state = loaded.state;
    for kind in Kind::ALL {
        assert!(state.count(kind) > 0, "litware declares no {}", kind.noun());
    }
    assert!(state.rooms.len() >= 30);
    assert!(state.categories.len() >= 6);
    assert_eq!(state.pools.len(), 2);
    // Every privacy with every room type.
    use pchat::model::{Privacy, RoomType};
    for privacy in [Privacy::Open, Privacy::Closed, Privacy::Secret] {
        for room_type in [RoomType::Normal, RoomType::Auditorium] {
            assert!(
                state
                    .rooms
                    .values()
                    .any(|r| r.privacy == privacy && r.room_type == room_type),
                "no {privacy:?} {room_type:?} room"
            );
        }
    }

    let text = config::yaml::to_string(&state.to_document());
    let again = config::load_texts(vec!["roundtrip.yaml".into()], vec![text.clone()])
        .unwrap_or_else(|e| panic!("the serialized state does not load: {e:?}\n{text}"));
    assert_eq!(again.state, state);
    // And serializing again gives the same text: the form is canonical.
    assert_eq!(config::yaml::to_string(&again.state.to_document()), text);
}

#[test]
fn a_changed_value_does_not_round_trip_equal() {
    // Guards the test above: equality really compares the fields.
    let loaded = config::load(&[root().join("examples/litware")]).unwrap();
    let mut doc = loaded.state.to_document();
    doc.rooms[0].description.push('!');
    let text = config::yaml::to_string(&doc);
    let again = config::load_texts(vec!["x.yaml".into()], vec![text]).unwrap();
    assert_ne!(again.state, loaded.state);
}
